import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Managed } from './managed.js';

/** Where PostgreSQL's server programs are: Debian's versioned directory, newest first, else the PATH. */
function serverBin(): string | null {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(path.join(root, version, 'bin', 'initdb'))) return path.join(root, version, 'bin');
  try {
    return path.dirname(execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim()) || null;
  } catch {
    return null;
  }
}

/**
 * The server refuses to run as root: as root, its programs run as the `postgres` user, which owns its directory.
 * setpriv execs the program in its own place (runuser would fork it), so the server stays in the process group
 * a kill reaches.
 */
function asServerUser(bin: string, program: string, args: string[]): [string, string[]] {
  const full = path.join(bin, program);
  return process.getuid?.() === 0 ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', full, ...args]] : [full, args];
}

/**
 * A PostgreSQL server of the suite's own in `dir`, listening on `port` on loopback with trust authentication,
 * so that a fault can kill it (SIGKILL: a crash, recovered from its write-ahead log at the next start) without
 * touching any other database. Null where PostgreSQL's server programs are not installed.
 */
export function privatePostgres(dir: string, port: number): { server: Managed; url: string } | null {
  const bin = serverBin();
  if (!bin) return null;
  const data = path.join(dir, 'postgres');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  const [initdb, initArgs] = asServerUser(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  execFileSync(initdb, initArgs, { stdio: 'ignore' });
  const [command, args] = asServerUser(bin, 'postgres', ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200']);
  const server = new Managed('postgres', command, args, {}, (output) => output.includes('database system is ready to accept connections'));
  return { server, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
