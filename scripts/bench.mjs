// `npm run bench`: builds, starts a private Temporal dev server (in memory, free port), then runs the
// compiled bench/run.ts (NestJS needs the decorator metadata tsc emits), which writes BENCHMARKS.md.
// Not part of `npm test`: benchmarks measure, tests check.
import path from 'node:path';
import { ensureBuild, ensureConsole, ensureDependencies, fail, freePort, ROOT, spawnChild } from './lib.mjs';
import { findTemporalCli, startDevServer } from './temporal.mjs';

ensureDependencies();
ensureBuild();
ensureConsole();
const server = await startDevServer({ cli: await findTemporalCli(), port: await freePort(), headless: true, quiet: true }).catch((error) => fail(error.message));
const { exited } = spawnChild(process.execPath, ['--enable-source-maps', path.join(ROOT, 'dist', 'bench', 'run.js'), ...process.argv.slice(2)], {
  env: { ...process.env, TEMPORAL_ADDRESS: server.address, CUSTODY_BENCH_TEMPORAL_PID: String(server.child.pid) },
});
const code = await exited;
server.child.kill('SIGTERM');
await server.exited;
process.exit(code);
