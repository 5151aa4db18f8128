// `npm run worker` / `npm run api`: installs and builds when needed, then runs one compiled entry point
// (the separate production processes that docker-compose.yml runs).
import path from 'node:path';
import { ensureBuild, ensureDependencies, fail, ROOT, spawnChild } from './lib.mjs';

const entry = process.argv[2];
if (!entry) fail('usage: node scripts/run.mjs <entry relative to dist/> [args…]');
ensureDependencies();
ensureBuild();
const { child, exited } = spawnChild(process.execPath, ['--enable-source-maps', path.join(ROOT, 'dist', entry), ...process.argv.slice(3)]);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
process.exit(await exited);
