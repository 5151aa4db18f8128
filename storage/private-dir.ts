import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const PREFIX = 'custody-plain-';

let processDir: string | undefined;

/**
 * This process's private directory, `<tmp>/custody-<uid>/custody-plain-<pid>-…` (mode 0700), made on first use:
 * where plaintext lives while the code that needs it runs (a decrypted dataset a trial reads, a command
 * trainer's files). The directories of processes no longer running (a crash, a kill) are removed first, and
 * this one at exit, so plaintext never outlives its process; each piece of work removes its own part as it ends.
 */
export function processPrivateDir(): string {
  if (processDir) return processDir;
  const parent = path.join(os.tmpdir(), `custody-${os.userInfo().uid}`);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(parent)) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (name.startsWith(PREFIX) && !isRunning(pid)) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(path.join(parent, `${PREFIX}${process.pid}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  processDir = dir;
  return dir;
}

/**
 * Runs `work` with a new private directory of its own (under processPrivateDir), removed when it ends,
 * whether it succeeds, fails or is cancelled.
 */
export async function withPrivateDir<T>(purpose: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makePrivateDir(purpose);
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A new private directory for work that outlives a call (a model's serving process); its owner removes it. */
export async function makePrivateDir(purpose: string): Promise<string> {
  const dir = path.join(processPrivateDir(), `${purpose}-${randomBytes(8).toString('hex')}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
