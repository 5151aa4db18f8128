// Finds (or builds) versitygw, an S3-compatible server over a local directory, and starts it: the real
// S3 server the test suite runs the artifact store against.
//
//   node scripts/s3-server.mjs          prints the path of versitygw, building it first if needed
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, fail, findGoTool, untilListening } from './lib.mjs';

export const VERSITYGW_VERSION = 'v1.8.0';
const CACHED = path.join(cacheDir(), 'custody', 'versitygw', VERSITYGW_VERSION, 'versitygw');

/** versitygw: $VERSITYGW, then on PATH, then the cached build, then a build with Go. */
export function findS3Server() {
  const found = findGoTool({
    env: 'VERSITYGW',
    name: 'versitygw',
    cached: CACHED,
    module: `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`,
    building: `building versitygw ${VERSITYGW_VERSION} (an S3 server for the tests) with Go; later runs reuse it`,
  });
  return found ?? fail('versitygw is needed to test the S3 artifact store: install Go (https://go.dev/dl) and run this again, or put versitygw on PATH');
}

/**
 * Serves `root` over S3 on 127.0.0.1:`port` with one account (`access`, `secret`); each directory under
 * `root` is a bucket, so `buckets` are created as directories. Resolves once it listens.
 */
export async function startS3Server({ bin, root, port, access, secret, buckets = [] }) {
  for (const bucket of buckets) mkdirSync(path.join(root, bucket), { recursive: true });
  const child = spawn(bin, ['--access', access, '--secret', secret, '--port', `127.0.0.1:${port}`, 'posix', root], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  await untilListening(child, port, 'versitygw');
  return { child, exited, endpoint: `http://127.0.0.1:${port}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${findS3Server()}\n`);
}
