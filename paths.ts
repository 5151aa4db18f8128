import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root, whether running from source (tests) or from the `dist/` build. */
export const PROJECT_ROOT = path.basename(here) === 'dist' ? path.dirname(here) : here;

/** The committed SQL migrations that drizzle-kit generates. */
export const MIGRATIONS_FOLDER = path.join(PROJECT_ROOT, 'db', 'migrations');

/** The single workflows entry the worker bundles: compiled JS in the build, TypeScript from source. */
export const WORKFLOWS_ENTRY = path.join(here, 'workflows', path.basename(here) === 'dist' ? 'index.js' : 'index.ts');

/** Custody's own version, part of every trial's code version. */
export const CUSTODY_VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The web console's static build (`npm run console:build`), served by the API at `/`. */
export const CONSOLE_DIR = path.join(PROJECT_ROOT, 'dist', 'console');
