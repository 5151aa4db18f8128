// `npm start`: the whole stack on one machine. Installs dependencies when missing, builds, starts
// the Temporal dev server (persisted under the data directory, Web UI on :8233) unless
// TEMPORAL_ADDRESS names another one, then runs the worker and the GraphQL API in one process. On
// PostgreSQL (DATABASE_URL) it also runs the data plane in processes of its own (CUSTODY_SERVING_PORT, :4001).
// Ctrl-C stops everything cleanly; the next `npm start` finds the same runs again. The children stop
// themselves if this launcher dies, and a start after a crash stops whatever of its own is left.
// TEMPORAL_DEV_PORT and TEMPORAL_DEV_UI_PORT move the dev server off 7233 and 8233.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rmSync } from 'node:fs';
import { ensureBuild, ensureConsole, ensureDependencies, fail, isListening, log, ROOT, spawnChild } from './lib.mjs';
import { reclaim, writePidFile } from './processes.mjs';

ensureDependencies();
ensureBuild();
ensureConsole();

// Validate the configuration before starting anything: a bad value stops here with one line.
const { loadConfigOrExit } = await import(pathToFileURL(path.join(ROOT, 'dist', 'config.js')).href);
const config = loadConfigOrExit();
const env = { ...process.env };

// Pid files of the servers this data directory's last start ran. After a crash (the launcher killed
// with SIGKILL, say), whatever of them still runs is stopped here; nothing else is touched.
const dataDir = path.resolve(ROOT, process.env.CUSTODY_DATA_DIR ?? '.data');
const pidFiles = { app: path.join(dataDir, 'run', 'app.json'), serving: path.join(dataDir, 'run', 'serving.json'), temporal: path.join(dataDir, 'run', 'temporal.json') };
const NAMES = { app: 'app', serving: 'data plane', temporal: 'Temporal dev server' };
for (const [name, file] of Object.entries(pidFiles)) {
  const outcome = await reclaim(file);
  if (outcome === 'live') fail(`another npm start is running on ${dataDir}; stop it first, or set CUSTODY_DATA_DIR to start another`);
  if (outcome === 'stopped') log(`stopped the ${NAMES[name]} an earlier start left running`);
}

let temporal = null;
if (!process.env.TEMPORAL_ADDRESS) {
  const { findTemporalCli, startDevServer } = await import('./temporal.mjs');
  const [host, port, uiPort] = ['127.0.0.1', devPort('TEMPORAL_DEV_PORT', 7233), devPort('TEMPORAL_DEV_UI_PORT', 8233)];
  if (await isListening(host, port)) {
    fail(`port ${port} is already in use. If a Temporal server runs there, set TEMPORAL_ADDRESS=${host}:${port} to use it.`);
  }
  const cli = await findTemporalCli();
  const dbFile = path.join(dataDir, 'temporal', 'dev.db');
  log('starting the Temporal dev server…');
  try {
    const codecEndpoint = config.encryption ? `http://localhost:${config.http.port}/codec` : undefined;
    temporal = await startDevServer({ cli, ip: host, port, uiPort, dbFile, pidFile: pidFiles.temporal, codecEndpoint });
  } catch (error) {
    fail(`${error.message}; is another Temporal server using ${dbFile}?`);
  }
  env.TEMPORAL_ADDRESS = temporal.address;
  env.TEMPORAL_UI_URL ??= `http://localhost:${uiPort}`;
} else {
  log(`using the Temporal server at ${config.temporal.address}`);
}

const app = startChild('main.js', pidFiles.app);
// The embedded database belongs to the app's process: there, the API answers predictions itself.
const serving = config.database.kind === 'postgres' ? startChild('serving/main.js', pidFiles.serving) : null;

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${signal})…`);
  // Predictions stop first (each process flushes its log), then the API and the worker.
  serving?.child.kill('SIGTERM');
  await serving?.exited;
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

const code = await Promise.race([app.exited, ...(serving ? [serving.exited] : [])]);
if (!stopping) {
  for (const other of [app, serving]) other?.child.kill('SIGTERM');
  await Promise.all([app.exited, serving?.exited]);
  temporal?.child.kill('SIGTERM');
  if (temporal) await temporal.exited;
  process.exit(code);
}

/** A port for the dev server from the launcher's environment, or the default. */
function devPort(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${name} must be a port between 1 and 65535 (got ${JSON.stringify(value)})`);
  return port;
}

/**
 * A compiled entry point in its own process group, so a Ctrl-C arrives once, from us, and shutdown runs in order.
 * The IPC channel closes when this launcher dies, however it dies, and the child then shuts itself down.
 */
function startChild(entry, pidFile) {
  const command = [process.execPath, '--enable-source-maps', path.join(ROOT, 'dist', entry)];
  const started = spawnChild(command[0], command.slice(1), { env, detached: true, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  started.child.channel?.unref();
  if (started.child.pid) writePidFile(pidFile, { pid: started.child.pid, command, launcher: process.pid });
  void started.exited.then(() => rmSync(pidFile, { force: true }));
  return started;
}
