import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { inheritedVariables } from '../../config.js';
import { PROJECT_ROOT } from '../../paths.js';

/** Where one start of user code lives: the contract's files, its working directory and its temporary directory, all private (0700) to it. */
export interface UserCodeDirs {
  io: string;
  work: string;
  tmp: string;
}

/** Makes the three directories of one start of user code under `root`, a private directory (storage/private-dir.ts). */
export async function userCodeDirs(root: string): Promise<UserCodeDirs> {
  const dirs = { io: path.join(root, 'io'), work: path.join(root, 'work'), tmp: path.join(root, 'tmp') };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true, mode: 0o700 });
  return dirs;
}

/**
 * Starts user code (a command trainer or a command model) with what domain/user-code.ts allows and nothing
 * else: PATH, HOME, LANG and TZ, the spec's named `variables`, a private TMPDIR and working directory, and the
 * contract's `CUSTODY_*` files. Arguments naming files of the repository (the training script) are passed as
 * absolute paths, since the working directory is no longer the repository. Its own process group, so stopping
 * it also stops anything it started.
 */
export function startUserCode(command: readonly string[], dirs: UserCodeDirs, contract: Record<string, string>, options: { variables?: readonly string[]; stdio: StdioOptions }): ChildProcess {
  const [program, ...args] = command.map(inRepository);
  const env = { ...inheritedVariables(options.variables ?? []), TMPDIR: dirs.tmp, TMP: dirs.tmp, TEMP: dirs.tmp, ...contract };
  return spawn(program!, args, { cwd: dirs.work, env, stdio: options.stdio, detached: true });
}

/** `arg` as an absolute path when it names a file of the repository (as it did from the repository root), else as it is. */
function inRepository(arg: string): string {
  if (path.isAbsolute(arg) || arg.startsWith('-')) return arg;
  const file = path.resolve(PROJECT_ROOT, arg);
  return !path.relative(PROJECT_ROOT, file).startsWith('..') && existsSync(file) ? file : arg;
}
