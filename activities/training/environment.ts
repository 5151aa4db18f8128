import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inheritedVariables } from '../../config.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import type { TrialEnvironment } from '../../domain/environment.js';
import { CUSTODY_VERSION, PROJECT_ROOT } from '../../paths.js';

const PYTHON = /^python(\d+(\.\d+)?)?$/;
const PROBE_PYTHON =
  'import sys, json, importlib.metadata as m\n' +
  "print(json.dumps({'version': sys.version.split()[0], 'packages': {(d.metadata['Name'] or '').lower(): d.version for d in m.distributions() if d.metadata['Name']}}))";
const CACHE_MS = 60_000;
const probes = new Map<string, { at: number; value: Promise<Pick<TrialEnvironment, 'interpreter' | 'packages'>> }>();

/**
 * The environment of a trial (see domain/environment.ts): of `command` (none for a built-in trainer), with the lock file's hash if
 * one is named. An interpreter's packages are read at most once a minute.
 */
export async function captureEnvironment(command?: string[], lockfile?: string, variables: readonly string[] = []): Promise<TrialEnvironment> {
  const base: TrialEnvironment = { custody: CUSTODY_VERSION, node: process.version, os: `${os.platform()} ${os.release()}`, arch: os.arch() };
  if (!command) return base;
  const interpreter = await probeInterpreter(command[0]!, variables);
  return { ...base, ...interpreter, ...(lockfile ? { lockfile: { path: lockfile, sha256: await fileSha256(lockfile) } } : {}) };
}

/** The short content hash of an environment, for cache keys. */
export function environmentHash(environment: TrialEnvironment): string {
  return createHash('sha256').update(canonicalJson(environment)).digest('hex').slice(0, 16);
}

/** The interpreters whose version Custody asks for; a program of any other kind is pinned by a lock file. */
const VERSIONED = /^(node|Rscript|julia|ruby|java)$/;

/** What `command` reports of itself, asked with the environment the trial's command gets (its `variables` too, such as PYTHONPATH). */
function probeInterpreter(command: string, variables: readonly string[]): Promise<Pick<TrialEnvironment, 'interpreter' | 'packages'>> {
  const key = `${command}\u0000${variables.join(',')}`;
  const cached = probes.get(key);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
  const name = path.basename(command);
  const value = PYTHON.test(name)
    ? run(command, ['-c', PROBE_PYTHON], variables).then((out) => {
        const parsed = JSON.parse(out) as { version: string; packages: Record<string, string> };
        return { interpreter: { command, version: parsed.version }, packages: Object.fromEntries(Object.entries(parsed.packages).sort(([x], [y]) => (x < y ? -1 : 1))) };
      })
    : VERSIONED.test(name)
      ? run(command, ['--version'], variables).then((out) => ({ interpreter: { command, version: out.trim().split('\n')[0]!.slice(0, 200) } }))
      : Promise.resolve({ interpreter: { command, version: 'not probed (name training.environment.lockfile to pin it)' } });
  // A failed probe is not remembered: the trial fails, Temporal retries it, and the next probe starts afresh.
  value.catch(() => probes.delete(key));
  probes.set(key, { at: Date.now(), value });
  return value;
}

/** Runs a probe to completion within 30 s; its process group is killed if it takes longer. */
function run(command: string, args: string[], variables: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // The interpreter the spec names gets what user code gets of the environment (domain/user-code.ts), no secret.
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: inheritedVariables(variables), stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    let out = '';
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`${command} ${args[0]} did not answer within 30 s`));
    }, 30_000);
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      // Let the pipe drain what the process wrote before it exited.
      setImmediate(() => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}`))));
    });
  });
}

/** Thrown when the spec's lock file is outside the repository or does not exist: bad input, never retried. */
export class LockfileError extends Error {
  override readonly name = 'LockfileError';
}

async function fileSha256(file: string): Promise<string> {
  const resolved = path.resolve(PROJECT_ROOT, file);
  if (path.relative(PROJECT_ROOT, resolved).startsWith('..')) throw new LockfileError(`training.environment.lockfile ${file} is outside the repository`);
  try {
    return createHash('sha256').update(await readFile(resolved)).digest('hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new LockfileError(`training.environment.lockfile ${file} does not exist`);
    }
    throw error;
  }
}
