import { Api } from './api.js';
import { connection, type CliEnv } from './config.js';
import { parseFormat, type Out } from './output.js';

/** What every command gets: the environment read once, where to write, and the API (connected on first use). */
export interface Ctx {
  env: CliEnv;
  out: Out;
  err: (line: string) => void;
  api: () => Api;
}

export function createContext(env: CliEnv, format: string | undefined): Ctx {
  const tty = Boolean(process.stdout.isTTY);
  const out: Out = {
    format: parseFormat(format ?? env.output ?? 'table'),
    color: tty && !env.noColor,
    tty,
    write: (text) => void process.stdout.write(text),
  };
  let api: Api | undefined;
  return { env, out, err: (line) => void process.stderr.write(line + '\n'), api: () => (api ??= new Api(connection(env))) };
}

/** The `--file` option of every download command, as `--help` shows it. */
export const FILE_OPTION = ['--file <path>', 'write it here (it appears only whole and checked against its sha256); stdout when omitted'] as const;

/** Downloads an API path to `file` (stdout without one) and says what was written, as every download command does. */
export async function downloadTo(c: Ctx, path: string, file: string | undefined): Promise<void> {
  const got = await c.api().download(path, file ?? null);
  if (file) c.err(`wrote ${file}: ${got.bytes} bytes, sha256 ${got.sha256}`);
}
