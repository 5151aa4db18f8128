// `npm run faults`: the fault-injection suite. Builds, finds (or builds) the Temporal CLI and Toxiproxy,
// starts Toxiproxy, then runs the compiled faults/run.ts, which starts its own stack, drives load while it
// injects faults, and checks every invariant. `--report` writes RELIABILITY.md. Options: --seed, --faults,
// --submissions, --seconds, --workers. Not part of `npm test` (a seeded slice of it is).
import path from 'node:path';
import { ensureBuild, ensureDependencies, fail, freePort, ROOT, spawnChild } from './lib.mjs';
import { findTemporalCli } from './temporal.mjs';
import { findToxiproxy, startToxiproxy } from './toxiproxy.mjs';

ensureDependencies();
ensureBuild();
const proxy = await startToxiproxy({ bin: findToxiproxy(), port: await freePort() }).catch((error) => fail(error.message));
const { exited } = spawnChild(process.execPath, ['--enable-source-maps', path.join(ROOT, 'dist', 'faults', 'run.js'), ...process.argv.slice(2)], {
  env: { ...process.env, TEMPORAL_CLI: await findTemporalCli(), TOXIPROXY_API: proxy.api },
});
const code = await exited;
proxy.child.kill('SIGTERM');
await proxy.exited;
process.exit(code);
