import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, EXIT } from './exit.js';

/** Where the CLI talks to, and as whom. */
export interface Connection {
  url: string;
  token: string | null;
}

/** The environment the CLI reads, once: `CUSTODY_URL`, `CUSTODY_TOKEN`, `CUSTODY_OUTPUT`, `NO_COLOR`, the config directory. */
export interface CliEnv {
  url?: string;
  token?: string;
  output?: string;
  noColor: boolean;
  configDir: string;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  const base = env.XDG_CONFIG_HOME || (process.platform === 'win32' ? env.APPDATA : undefined) || path.join(os.homedir(), '.config');
  return {
    url: env.CUSTODY_URL || undefined,
    token: env.CUSTODY_TOKEN || undefined,
    output: env.CUSTODY_OUTPUT || undefined,
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    configDir: env.CUSTODY_CONFIG_DIR || path.join(base, 'custody'),
  };
}

const fileOf = (env: CliEnv) => path.join(env.configDir, 'config.json');

/** The saved login, overridden field by field by `CUSTODY_URL` and `CUSTODY_TOKEN` (for CI). */
export function connection(env: CliEnv): Connection {
  let saved: Partial<Connection> = {};
  if (existsSync(fileOf(env))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(fileOf(env), 'utf8'));
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`${fileOf(env)} is not a saved login; run custody login again`, EXIT.usage);
    saved = parsed as Partial<Connection>;
  }
  const url = env.url ?? saved.url;
  if (!url) throw new CliError('no server: run custody login --url URL --token TOKEN, or set CUSTODY_URL', EXIT.usage);
  return { url: graphqlUrl(url), token: env.token ?? saved.token ?? null };
}

/** Saves the login, readable by its owner only: written to a new 0600 file, then renamed over the old one. */
export function saveLogin(env: CliEnv, login: Connection): string {
  mkdirSync(env.configDir, { recursive: true, mode: 0o700 });
  const temp = `${fileOf(env)}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ url: login.url, token: login.token }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(temp, fileOf(env));
  return fileOf(env);
}

/** Accepts the server's base URL or its /graphql endpoint. */
export function graphqlUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--url ${url} is not a URL`, EXIT.usage);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(`--url must be http or https, not ${parsed.protocol}`, EXIT.usage);
  if (!parsed.pathname.endsWith('/graphql')) parsed.pathname = parsed.pathname.replace(/\/$/, '') + '/graphql';
  return parsed.toString();
}
