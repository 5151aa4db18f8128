// Finds (or builds) Toxiproxy, a TCP proxy whose faults (latency, resets, partitions) are set over HTTP,
// and starts it: what the fault suite puts between Custody and PostgreSQL, and between Custody and Temporal.
//
//   node scripts/toxiproxy.mjs          prints the path of the Toxiproxy server, building it first if needed
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, fail, findGoTool, untilListening } from './lib.mjs';

export const TOXIPROXY_VERSION = 'v2.5.0';
// `go install …/cmd/server` names the binary after its package directory.
const CACHED = path.join(cacheDir(), 'custody', 'toxiproxy', TOXIPROXY_VERSION, 'server');

/** The Toxiproxy server: $TOXIPROXY_SERVER, then the cached build, then a build with Go. */
export function findToxiproxy() {
  const found = findGoTool({
    env: 'TOXIPROXY_SERVER',
    cached: CACHED,
    module: `github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}`,
    building: `building Toxiproxy ${TOXIPROXY_VERSION} (the fault suite's TCP proxy) with Go; later runs reuse it`,
  });
  return found ?? fail('Toxiproxy is needed by the fault suite: install Go (https://go.dev/dl) and run this again, or set TOXIPROXY_SERVER');
}

/** Starts Toxiproxy's control API on 127.0.0.1:`port`; resolves once it listens. */
export async function startToxiproxy({ bin, port }) {
  const child = spawn(bin, ['-host', '127.0.0.1', '-port', String(port)], { stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  await untilListening(child, port, 'Toxiproxy');
  return { child, exited, api: `http://127.0.0.1:${port}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${findToxiproxy()}\n`);
}
