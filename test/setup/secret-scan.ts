import childProcess, { type ChildProcess } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { format } from 'node:util';
import { afterAll, inject } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';
import { leaks, life, noteSecret, noteSecretsOf, type Life } from '../support/secret-scan.js';

/**
 * Every test file's server lives are searched for secrets: what this process writes (the in-process API's and
 * worker's logs, and the tests' own console) and what every child process it starts writes (`dist/main.js`, the
 * worker processes, `npm start`, the fault suite's stack, the Temporal CLI...). After the file, a token, a
 * webhook secret, an encryption key, the S3 secret key, a password in a URL or a first-admin code outside its
 * announcement in any of them fails the file, naming the life with the secret masked.
 *
 * A child's output is read as its parent reads it (nothing is added to its pipes), so a child with inherited
 * stdio writes past this scan: the suite pipes every server it starts.
 */

/** The CLI: a client that prints a token it made, once, on purpose; only configured secrets are looked for in its output. */
const CLIENTS = [/scripts[\\/]custody\.mjs$/, /dist[\\/]cli[\\/]/];

interface Sink {
  own: Life;
  child(name: string, server: boolean): Life;
  note(env: NodeJS.ProcessEnv | undefined): void;
}

/** The sink of the file running now: the patches below are made once a process and write to whichever file's is current. */
const SINK = Symbol.for('custody.secret-scan');
const state = globalThis as typeof globalThis & { [SINK]?: Sink };
const patched = state[SINK] !== undefined;
state[SINK] = { own: life("this test process (the in-process API and worker, and the tests' own console)", true), child: life, note: noteSecretsOf };
noteSecret('the S3 secret key', inject('s3').secretKey);

const text = (chunk: unknown): string => (typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '');

/** A name for a child's life: its program and its entry (never its other arguments, which may hold secrets). */
function childLife(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } | undefined): Life {
  state[SINK]!.note(options?.env);
  const entry = args.find((arg) => !arg.startsWith('-') && !/\s/.test(arg));
  const name = `${path.basename(file)}${entry ? ` ${path.isAbsolute(entry) ? path.relative(PROJECT_ROOT, entry) : entry}` : ''}`.slice(0, 120);
  return state[SINK]!.child(name, ![file, ...args].some((arg) => CLIENTS.some((client) => client.test(arg))));
}

/** Reads what the parent reads from a child's stdout and stderr, without reading for it. */
function tap(child: ChildProcess, into: Life): ChildProcess {
  into.name += child.pid ? ` (pid ${child.pid})` : '';
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    const emit = stream.emit.bind(stream);
    stream.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'data') into.text += text(args[0]);
      return emit(event, ...args);
    }) as typeof stream.emit;
  }
  return child;
}

/** `(file, args?, options?, ...)` as child_process takes them. */
function split(rest: unknown[]): { args: string[]; options: { env?: NodeJS.ProcessEnv } | undefined } {
  const args = Array.isArray(rest[0]) ? (rest[0] as string[]) : [];
  const options = (Array.isArray(rest[0]) ? rest[1] : rest[0]) as { env?: NodeJS.ProcessEnv } | undefined;
  return { args, options: typeof options === 'object' && options !== null ? options : undefined };
}

if (!patched) {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      state[SINK]!.own.text += text(chunk);
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      state[SINK]!.own.text += `${format(...args)}\n`;
      original.apply(console, args);
    };
  }

  const cp = childProcess as unknown as Record<'spawn' | 'execFile' | 'spawnSync' | 'execFileSync', (...args: unknown[]) => unknown>;
  const { spawn, execFile, spawnSync, execFileSync } = { ...cp };
  cp.spawn = (file: unknown, ...rest: unknown[]) => {
    const { args, options } = split(rest);
    return tap(spawn(file, ...rest) as ChildProcess, childLife(String(file), args, options));
  };
  cp.execFile = (file: unknown, ...rest: unknown[]) => {
    const { args, options } = split(rest);
    return tap(execFile(file, ...rest) as ChildProcess, childLife(String(file), args, options));
  };
  cp.spawnSync = (file: unknown, ...rest: unknown[]) => {
    const { args, options } = split(rest);
    const into = childLife(String(file), args, options);
    const result = spawnSync(file, ...rest) as { stdout?: unknown; stderr?: unknown };
    into.text += text(result.stdout) + text(result.stderr);
    return result;
  };
  cp.execFileSync = (file: unknown, ...rest: unknown[]) => {
    const { args, options } = split(rest);
    const into = childLife(String(file), args, options);
    try {
      const output = execFileSync(file, ...rest);
      into.text += text(output);
      return output;
    } catch (error) {
      into.text += text((error as { stdout?: unknown }).stdout) + text((error as { stderr?: unknown }).stderr);
      throw error;
    }
  };
  // ES module imports of node:child_process (`import { spawn } from ...`) see the patched functions too.
  syncBuiltinESMExports();
}

afterAll(() => {
  const found = leaks();
  if (found.length > 0) throw new Error(`secrets in the logs of this file's server lives (${found.length}):\n${found.slice(0, 20).join('\n')}`);
});
