import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import postgres from 'postgres';
import { TokensService } from '../api/access/tokens.service.js';
import { RefusalLimiter } from '../api/access/refusal-limiter.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { createRepositories } from '../db/repositories/index.js';
import { PROJECT_ROOT } from '../paths.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { Toxiproxy } from './toxiproxy.js';

/** A process of the stack that the suite kills and starts again. */
export class Managed {
  private child: ChildProcess | null = null;
  output = '';

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly ready: (output: string) => Promise<boolean> | boolean,
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(this.command, this.args, { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH!, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited at start: ${this.output.slice(-2000)}`);
      if (await this.ready(this.output)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not start within 90 s: ${this.output.slice(-2000)}`);
  }

  /** SIGKILL to its whole process group: a crash, with no chance to clean up. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  }
}

export interface Cluster {
  api: Managed;
  workers: Managed[];
  temporal: Managed;
  proxies: Toxiproxy;
  /** The API's GraphQL URL, and a token per person of the load. */
  url: string;
  tokens: Record<string, string>;
  /** Direct (unproxied) handles for the checks. */
  database: Database;
  temporalAddress: string;
  taskQueue: string;
  stop(): Promise<void>;
}

export const PEOPLE = { 'engineer@faults.test': 'submitter', 'ana@faults.test': 'approver', 'bo@faults.test': 'approver', 'cy@faults.test': 'approver', 'viewer@faults.test': 'viewer' } as const;

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/**
 * The whole stack as separate processes: a Temporal dev server persisted to a file, the API, several
 * workers, and Toxiproxy between them and PostgreSQL and between them and Temporal. Its own database on
 * the PostgreSQL server at `adminUrl`.
 */
export async function startCluster(options: { temporalCli: string; toxiproxyApi: string; adminUrl: string; workers: number }): Promise<Cluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-faults-'));
  const name = `custody_faults_${randomBytes(4).toString('hex')}`;
  const admin = postgres(options.adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const direct = new URL(options.adminUrl);
  direct.pathname = `/${name}`;

  const [temporalPort, pgProxyPort, temporalProxyPort, apiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const temporal = new Managed('temporal', options.temporalCli, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(temporalPort), '--headless', '--log-level', 'error', '--db-filename', path.join(dir, 'temporal.db')], {}, () => listening(temporalPort));
  await temporal.start();
  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  await ensureSearchAttributes(connection, 'default');
  await connection.close();

  const proxies = new Toxiproxy(options.toxiproxyApi);
  await proxies.proxy('postgres', `127.0.0.1:${pgProxyPort}`, `${direct.hostname}:${direct.port || 5432}`);
  await proxies.proxy('temporal', `127.0.0.1:${temporalProxyPort}`, `127.0.0.1:${temporalPort}`);
  const viaProxy = new URL(direct);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(pgProxyPort);
  const taskQueue = 'faults';
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: viaProxy.toString(),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalProxyPort}`,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CUSTODY_DATA_DIR: path.join(dir, 'data'),
    CUSTODY_IMPORT_DIR: PROJECT_ROOT,
    PORT: String(apiPort),
  };
  const api = new Managed('api', process.execPath, [path.join(PROJECT_ROOT, 'dist/api/main.js')], env, (out) => out.includes('custody api:'));
  await api.start();
  const workers = Array.from({ length: options.workers }, (_, i) => new Managed(`worker-${i}`, process.execPath, [path.join(PROJECT_ROOT, 'dist/worker/main.js')], env, (out) => out.includes('polling task queue')));
  for (const worker of workers) await worker.start();

  const database = await openDatabase({ kind: 'postgres', url: direct.toString(), maxConnections: 4 });
  const config = loadConfig({ ...env, DATABASE_URL: direct.toString() });
  const access = new TokensService(createRepositories(database.db), new RefusalLimiter(config));
  const tokens: Record<string, string> = {};
  for (const [person, role] of Object.entries(PEOPLE)) tokens[person] = (await access.create({ name: person, role }, 'faults')).token;

  return {
    api,
    workers,
    temporal,
    proxies,
    url: `http://127.0.0.1:${apiPort}/graphql`,
    tokens,
    database,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    taskQueue,
    async stop() {
      for (const worker of workers) await worker.kill();
      await api.kill();
      await temporal.kill();
      await database.close();
      const cleanup = postgres(options.adminUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
