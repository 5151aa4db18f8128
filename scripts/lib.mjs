// Helpers for the project's own commands. Node built-ins only, so they run before `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function log(message) {
  process.stdout.write(`custody: ${message}\n`);
}

export function fail(message) {
  process.stderr.write(`custody: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

/** Installs dependencies when node_modules is missing or older than the lock file. */
export function ensureDependencies() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (run(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error']) !== 0) fail('npm ci failed; see the output above');
}

/** Compiles the TypeScript sources into dist/ (incremental, so a second run is quick). */
export function ensureBuild() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (run(process.execPath, [tsc, '-p', 'tsconfig.build.json']) !== 0) fail('the TypeScript build failed; see the errors above');
}

const CONSOLE_SOURCES = ['console', 'schema.gql', 'package-lock.json', 'domain'];

/** One hash over the console's sources (and what they import), so a build is redone exactly when one changed. */
function consoleSourceHash() {
  const hash = createHash('sha256');
  const visit = (relative) => {
    const full = path.join(ROOT, relative);
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).sort()) if (name !== 'node_modules') visit(path.join(relative, name));
    } else {
      hash.update(`${relative}\0`).update(readFileSync(full)).update('\0');
    }
  };
  for (const source of CONSOLE_SOURCES) visit(source);
  return hash.digest('hex');
}

/** Builds the web console into dist/console with Vite when the build is missing or stale (or always, with force). */
export function ensureConsole({ force = false } = {}) {
  const stamp = path.join(ROOT, 'dist', 'console', '.source-hash');
  const current = consoleSourceHash();
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === current) return;
  log('building the console (vite)…');
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  if (run(process.execPath, [vite, 'build', '--config', 'console/vite.config.ts', '--logLevel', 'warn']) !== 0) fail('the console build failed; see the errors above');
  writeFileSync(stamp, current);
}

/** Asks the OS for a free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isListening(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Spawns a child that shares our terminal, and resolves its exit code when it ends. */
export function spawnChild(command, args, options = {}) {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', (error) => {
      process.stderr.write(`custody: could not start ${command}: ${error.message}\n`);
      resolve(1);
    });
  });
  return { child, exited };
}

/** The platform's cache directory: built tools live there, outside the repository, so every clone reuses them. */
export function cacheDir() {
  if (process.env.XDG_CACHE_HOME) return process.env.XDG_CACHE_HOME;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches');
  if (process.platform === 'win32') return process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local');
  return path.join(os.homedir(), '.cache');
}

/** The first path of `name` on PATH, or null. */
export function onPath(name) {
  const finder = process.platform === 'win32' ? 'where' : 'which';
  const result = spawnSync(finder, [name], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.split(/\r?\n/)[0].trim() || null : null;
}

function findGo() {
  const candidates = [onPath('go'), process.env.GOROOT && path.join(process.env.GOROOT, 'bin', 'go'), '/usr/local/go/bin/go'];
  return candidates.find((candidate) => candidate && existsSync(candidate)) ?? null;
}

/**
 * A tool built with Go: the path in $`env` if set (it must exist), then `name` on PATH (when given), then the
 * cached build, then a fresh build of `module` into the cache (saying `building` first). Null when none works.
 */
export function findGoTool({ env, name, cached, module, building }) {
  const fromEnv = process.env[env];
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    fail(`${env} points to ${fromEnv}, which does not exist`);
  }
  const fromPath = name ? onPath(name) : null;
  if (fromPath) return fromPath;
  if (existsSync(cached)) return cached;
  log(building);
  return goInstall(module, cached) ? cached : null;
}

/**
 * Builds a Go command (`module@version`) into `target` with `go install`, through a staging directory
 * so a failed build leaves nothing behind. False when Go is missing or the build fails.
 */
export function goInstall(moduleAtVersion, target) {
  const go = findGo();
  if (!go) return false;
  const dir = path.dirname(target);
  mkdirSync(dir, { recursive: true });
  const staging = mkdtempSync(path.join(dir, '.build-'));
  const result = spawnSync(go, ['install', moduleAtVersion], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  });
  const built = path.join(staging, path.basename(target));
  if (result.status === 0 && existsSync(built)) renameSync(built, target);
  rmSync(staging, { recursive: true, force: true });
  return existsSync(target);
}

/**
 * Resolves once `port` on 127.0.0.1 accepts connections; throws if `child` exits first or `timeoutMs` passes
 * (then stops it). For the servers the scripts start: versitygw, Toxiproxy.
 */
export async function untilListening(child, port, name, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start (code ${child.exitCode})`);
    if (await isListening('127.0.0.1', port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`${name} did not start listening within ${timeoutMs / 1000} s`);
}
