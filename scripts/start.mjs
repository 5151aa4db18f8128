// `npm start`: the whole stack on one machine. Installs dependencies when missing, builds, starts
// the Temporal dev server (persisted under the data directory, Web UI on :8233) unless
// TEMPORAL_ADDRESS names another one, then runs the worker and the GraphQL API in one process.
// Ctrl-C stops everything cleanly; the next `npm start` finds the same runs again.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuild, ensureDependencies, fail, isListening, log, ROOT, spawnChild } from './lib.mjs';

ensureDependencies();
ensureBuild();

// Validate the configuration before starting anything: a bad value stops here with one line.
const { loadConfigOrExit } = await import(pathToFileURL(path.join(ROOT, 'dist', 'config.js')).href);
const config = loadConfigOrExit();
const env = { ...process.env };

let temporal = null;
if (!process.env.TEMPORAL_ADDRESS) {
  const { findTemporalCli, startDevServer } = await import('./temporal.mjs');
  const [host, port] = ['127.0.0.1', 7233];
  if (await isListening(host, port)) {
    fail(`port ${port} is already in use. If a Temporal server runs there, set TEMPORAL_ADDRESS=${host}:${port} to use it.`);
  }
  const cli = await findTemporalCli();
  const dbFile = path.join(path.resolve(ROOT, process.env.CUSTODY_DATA_DIR ?? '.data'), 'temporal', 'dev.db');
  log('starting the Temporal dev server…');
  try {
    temporal = await startDevServer({ cli, ip: host, port, uiPort: 8233, dbFile });
  } catch (error) {
    fail(`${error.message}; is another Temporal server using ${dbFile}?`);
  }
  env.TEMPORAL_ADDRESS = temporal.address;
  env.TEMPORAL_UI_URL ??= 'http://localhost:8233';
} else {
  log(`using the Temporal server at ${config.temporal.address}`);
}

// Its own process group, so a Ctrl-C arrives once, from us, and shutdown runs in order.
const app = spawnChild(process.execPath, ['--enable-source-maps', path.join('dist', 'main.js')], { env, detached: true });

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${signal})…`);
  app.child.kill('SIGTERM');
  await app.exited;
  if (temporal) {
    temporal.child.kill('SIGTERM');
    await temporal.exited;
  }
  process.exit(0);
}
// The children run in their own process groups, so every way this launcher is asked to stop must reach them.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(signal));

const code = await app.exited;
if (!stopping) {
  temporal?.child.kill('SIGTERM');
  if (temporal) await temporal.exited;
  process.exit(code);
}
