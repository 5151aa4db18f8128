// Finds (or obtains) the Temporal CLI, which carries the dev server and its Web UI in one binary,
// and starts that dev server. Used by `npm start` and by the test suite.
//
//   node scripts/temporal.mjs          prints the path of the CLI, obtaining it first if needed
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, fail, findGoTool, isListening, log } from './lib.mjs';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

/** Where a built or downloaded CLI is kept: outside the repository, so every clone reuses it. */
export const CACHED_CLI = path.join(cacheDir(), 'custody', 'temporal-cli', TEMPORAL_CLI_VERSION, EXE);

async function download() {
  const platform = { darwin: 'darwin', linux: 'linux', win32: 'windows' }[process.platform];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  if (!platform || !arch) return false;
  const url = `https://temporal.download/cli/archive/${TEMPORAL_CLI_VERSION}?platform=${platform}&arch=${arch}`;
  log(`downloading the Temporal CLI ${TEMPORAL_CLI_VERSION}…`);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) return false;
    const dir = path.dirname(CACHED_CLI);
    mkdirSync(dir, { recursive: true });
    const staging = mkdtempSync(path.join(dir, '.download-'));
    const archive = path.join(staging, platform === 'windows' ? 'cli.zip' : 'cli.tar.gz');
    writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
    const untar = spawnSync('tar', ['-xf', archive, '-C', staging], { stdio: 'inherit' });
    if (untar.status === 0 && existsSync(path.join(staging, EXE))) {
      chmodSync(path.join(staging, EXE), 0o755);
      renameSync(path.join(staging, EXE), CACHED_CLI);
    }
    rmSync(staging, { recursive: true, force: true });
    return existsSync(CACHED_CLI);
  } catch {
    return false;
  }
}

/**
 * The Temporal CLI, in this order: $TEMPORAL_CLI; `temporal` on PATH; the cached build; a build
 * with Go; the official release download. Exits with a clear message when none works.
 */
export async function findTemporalCli() {
  const found = findGoTool({
    env: 'TEMPORAL_CLI',
    name: 'temporal',
    cached: CACHED_CLI,
    module: `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`,
    building: `building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go; the first build takes several minutes, later runs reuse it`,
  });
  if (found) return found;
  if (await download()) return CACHED_CLI;
  fail(
    'the Temporal CLI is needed to run the Temporal dev server. Install Go (https://go.dev/dl) and run this again, ' +
      `install the CLI yourself (https://docs.temporal.io/cli) and put it on PATH or in TEMPORAL_CLI, ` +
      'or set TEMPORAL_ADDRESS to use a Temporal server you already run.',
  );
}

/**
 * Starts `temporal server start-dev` under a guard (scripts/guard.mjs) that stops it when this
 * process exits, however it exits, and resolves once its frontend accepts connections. `child` is
 * the guard: a SIGTERM to it stops the server. Without `dbFile` the server keeps everything in
 * memory; with `pidFile` the server's pid is recorded there while it runs.
 */
export async function startDevServer({ cli, ip = '127.0.0.1', port, uiPort, dbFile, pidFile, headless = false, quiet = false, codecEndpoint }) {
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'error'];
  if (headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  // The Web UI decodes encrypted payloads through our codec server (its requests carry the console's session cookie).
  if (codecEndpoint && !headless) args.push('--ui-codec-endpoint', codecEndpoint);
  if (dbFile) {
    mkdirSync(path.dirname(dbFile), { recursive: true });
    args.push('--db-filename', dbFile);
  }
  // Its own process group: a Ctrl-C reaches our launcher, which stops the server last, after the app.
  const guard = path.join(path.dirname(fileURLToPath(import.meta.url)), 'guard.mjs');
  const child = spawn(process.execPath, [guard, pidFile ?? '-', '--', cli, ...args], {
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  // The channel only tells the guard when we are gone; it must not keep us alive.
  child.channel?.unref();
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited at start (code ${child.exitCode})`);
    if (await isListening(ip, port)) return { child, exited, address: `${ip}:${port}` };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGTERM');
  throw new Error('the Temporal dev server did not start listening within 60 s');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await findTemporalCli()}\n`);
}
