import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/pipelines.js';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { freePort } from '../../scripts/lib.mjs';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { isAlive, writePidFile } from '../../scripts/processes.mjs';

interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` as a person runs it, on its own data directory and ports, killed however a test needs. */
describe('npm start after a crash', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let port: number;
  const launches: Launch[] = [];
  const foreign: ChildProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'custody-start-'));
    port = await freePort();
    env = {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? os.homedir(),
      TEMPORAL_CLI: process.env.TEMPORAL_CLI!,
      CUSTODY_DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_DEV_UI_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    for (const { child } of launches) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(launches.map((l) => l.exited));
    for (const child of foreign) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const launch = (extra: Record<string, string> = {}): Launch => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'start.mjs')], { cwd: PROJECT_ROOT, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout!.on('data', (chunk) => (text += chunk));
    child.stderr!.on('data', (chunk) => (text += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const result = { child, output: () => text, exited };
    launches.push(result);
    return result;
  };
  const healthy = async (launched: Launch) => {
    const health = async () => {
      if (launched.child.exitCode !== null) throw new Error(`npm start exited ${launched.child.exitCode}:\n${launched.output()}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ health { status } }' }),
        });
        return ((await response.json()) as { data?: { health: { status: string } } }).data?.health.status ?? 'none';
      } catch {
        return 'unreachable';
      }
    };
    await eventually(health, (status) => status === 'ok', 120_000);
  };
  const pids = () => {
    const read = (name: string) => JSON.parse(readFileSync(path.join(dataDir, 'run', `${name}.json`), 'utf8')) as { pid: number; guard?: number };
    const temporal = read('temporal');
    return { app: read('app').pid, temporal: temporal.pid, guard: temporal.guard! };
  };
  const gone = (pidList: number[]) => eventually(async () => pidList.filter(isAlive), (alive) => alive.length === 0, 30_000);

  it('stops its children when the launcher is SIGKILLed, and starts cleanly again', { timeout: 300_000 }, async () => {
    const first = launch();
    await healthy(first);
    const before = pids();
    first.child.kill('SIGKILL');
    await gone([before.app, before.temporal, before.guard]);

    const second = launch();
    await healthy(second);
    const after = pids();
    expect(after.temporal).not.toBe(before.temporal);

    // A second start on the same data directory while this one runs is refused, and stops nothing.
    const rival = launch({ PORT: String(await freePort()) });
    expect(await rival.exited).toBe(1);
    expect(rival.output()).toContain('custody: another npm start is running on');
    expect([after.app, after.temporal, after.guard].every(isAlive)).toBe(true);

    // The guard killed with the launcher: the dev server outlives both, and the next start must stop it.
    // The guard goes first: killed after the launcher, it could notice the launcher gone and stop the server itself.
    process.kill(after.guard, 'SIGKILL');
    await gone([after.guard]);
    second.child.kill('SIGKILL');
    await gone([after.app]);
    expect(isAlive(after.temporal)).toBe(true);

    // A pid file naming a process that is not ours is only removed: that process is left alone.
    const bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
    foreign.push(bystander);
    writePidFile(path.join(dataDir, 'run', 'app.json'), { pid: bystander.pid, command: [process.execPath, 'dist/main.js'] });

    const third = launch();
    await healthy(third);
    expect(third.output()).toContain('stopped the Temporal dev server an earlier start left running');
    expect(isAlive(after.temporal)).toBe(false);
    expect(isAlive(bystander.pid!)).toBe(true);

    const last = pids();
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect([last.app, last.temporal, last.guard].filter(isAlive)).toEqual([]);
  });

  it('leaves a server that is not its own alone and says why it cannot start', { timeout: 120_000 }, async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taken = (server.address() as net.AddressInfo).port;
    try {
      // A data directory of its own, so nothing the other test left can answer for this one.
      const launched = launch({ TEMPORAL_DEV_PORT: String(taken), CUSTODY_DATA_DIR: path.join(dataDir, 'alone') });
      expect(await launched.exited).toBe(1);
      expect(launched.output()).toContain(`custody: port ${taken} is already in use. If a Temporal server runs there, set TEMPORAL_ADDRESS=127.0.0.1:${taken} to use it.`);
      expect(server.listening).toBe(true);
    } finally {
      server.close();
    }
  });

  it.skipIf(!inject('postgresAdminUrl'))('on PostgreSQL, runs the data plane on a port of its own beside the API, and stops it with the rest', { timeout: 180_000 }, async () => {
    const database = await createTestDatabase();
    const servingPort = await freePort();
    try {
      // The Temporal server the tests share: this start runs only the app and the data plane.
      const launched = launch({ DATABASE_URL: database.url!, TEMPORAL_ADDRESS: inject('temporalAddress'), CUSTODY_SERVING_PORT: String(servingPort), CUSTODY_SERVING_PROCESSES: '2', CUSTODY_DATA_DIR: path.join(dataDir, 'postgres') });
      await healthy(launched);
      const refused = await eventually(
        () => fetch(`http://127.0.0.1:${servingPort}/v1/models/iris/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs":[{}]}' }).then((r) => r.status, () => 0),
        (status) => status === 401,
        60_000,
      );
      expect(refused).toBe(401);
      expect(launched.output().match(/custody serving: predictions at /g)).toHaveLength(2);
      const serving = JSON.parse(readFileSync(path.join(dataDir, 'postgres', 'run', 'serving.json'), 'utf8')) as { pid: number };
      launched.child.kill('SIGTERM');
      expect(await launched.exited).toBe(0);
      expect(isAlive(serving.pid)).toBe(false);
      expect(await fetch(`http://127.0.0.1:${servingPort}/v1/models/iris/predict`, { method: 'POST' }).then(() => 'answered', () => 'closed')).toBe('closed');
    } finally {
      await database.close();
    }
  });
});
