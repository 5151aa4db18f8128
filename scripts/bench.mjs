// `npm run bench`: starts a private Temporal dev server (in memory, free port), then runs bench/run.ts,
// which writes BENCHMARKS.md. Not part of `npm test`: benchmarks measure, tests check.
import path from 'node:path';
import { ensureDependencies, fail, freePort, ROOT, spawnChild } from './lib.mjs';
import { findTemporalCli, startDevServer } from './temporal.mjs';

ensureDependencies();
const server = await startDevServer({ cli: await findTemporalCli(), port: await freePort(), headless: true, quiet: true }).catch((error) => fail(error.message));
const { exited } = spawnChild(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts')], {
  env: { ...process.env, TEMPORAL_ADDRESS: server.address },
});
const code = await exited;
server.child.kill('SIGTERM');
await server.exited;
process.exit(code);
