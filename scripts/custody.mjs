#!/usr/bin/env node
// The `custody` command (the package's bin): runs the compiled CLI, building it first in a fresh clone.
// Build output goes to stderr, so stdout stays the command's own.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'cli', 'main.js');
/** The newest source the CLI is built from (cli/ and domain/, and bundle/ with the ml/ that `custody serve` predicts with). */
const newestSource = () =>
  Math.max(...['cli', 'domain', 'bundle', 'ml'].flatMap((dir) => readdirSync(path.join(root, dir), { recursive: true }).filter((f) => String(f).endsWith('.ts')).map((f) => statSync(path.join(root, dir, String(f))).mtimeMs)));
const buildInfo = path.join(root, 'dist', '.tsbuildinfo');
if (!existsSync(entry) || !existsSync(buildInfo) || statSync(buildInfo).mtimeMs < newestSource()) {
  process.stderr.write('custody: building the CLI…\n');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    process.stderr.write('custody: the build failed; run npm install, then npm run build\n');
    process.exit(1);
  }
}
await import(pathToFileURL(entry).href);
