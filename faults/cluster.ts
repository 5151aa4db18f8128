import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import postgres from 'postgres';
import { TokensService } from '../api/access/tokens.service.js';
import { RefusalAudit } from '../api/access/refusal-audit.js';
import { RefusalLimiter } from '../api/access/refusal-limiter.js';
import { temporalDataConverter } from '../clients/payload-codec.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { createRepositories } from '../db/repositories/index.js';
import { PROJECT_ROOT } from '../paths.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { Managed } from './managed.js';
import { privatePostgres } from './postgres.js';
import { Toxiproxy } from './toxiproxy.js';

export interface Cluster {
  api: Managed;
  workers: Managed[];
  temporal: Managed;
  /** The suite's own PostgreSQL server, or null when it uses a shared one (and cannot restart it). */
  postgres: Managed | null;
  /** Where the API and the workers keep datasets and models. */
  artifactDir: string;
  proxies: Toxiproxy;
  /** The API's GraphQL URL, and a token per person of the load. */
  url: string;
  tokens: Record<string, string>;
  /** Direct (unproxied) handles for the checks. */
  database: Database;
  temporalAddress: string;
  taskQueue: string;
  /** What the stack's workers and API encode payloads with (a codec when encryption is configured), so the checks can read histories. */
  dataConverter: DataConverter | undefined;
  stop(): Promise<void>;
}

export const PEOPLE = { 'engineer@faults.test': 'submitter', 'ana@faults.test': 'approver', 'bo@faults.test': 'approver', 'cy@faults.test': 'approver', 'viewer@faults.test': 'viewer', 'admin@faults.test': 'admin' } as const;

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
 * workers, PostgreSQL (a server of its own where its programs are installed, else a database of its own on
 * the server at `adminUrl`), and Toxiproxy between them and PostgreSQL and between them and Temporal.
 */
export async function startCluster(options: { temporalCli: string; toxiproxyApi: string; adminUrl: string; workers: number }): Promise<Cluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-faults-'));
  // A PostgreSQL server of the suite's own where one can be started, so that it can be restarted; else the shared one.
  const own = privatePostgres(dir, await freePort());
  if (own) await own.server.start();
  const adminUrl = own?.url ?? options.adminUrl;
  const name = `custody_faults_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const direct = new URL(adminUrl);
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
    // The suite's webhook receiver listens on loopback, which deliveries refuse unless allowed.
    CUSTODY_WEBHOOK_ALLOW_RANGES: '127.0.0.1/32',
  };
  const api = new Managed('api', process.execPath, [path.join(PROJECT_ROOT, 'dist/api/main.js')], env, (out) => out.includes('custody api:'));
  await api.start();
  const workers = Array.from({ length: options.workers }, (_, i) => new Managed(`worker-${i}`, process.execPath, [path.join(PROJECT_ROOT, 'dist/worker/main.js')], env, (out) => out.includes('polling task queue')));
  for (const worker of workers) await worker.start();

  const database = await openDatabase({ kind: 'postgres', url: direct.toString(), maxConnections: 4 });
  const config = loadConfig({ ...env, DATABASE_URL: direct.toString() });
  const repos = createRepositories(database.db);
  const access = new TokensService(repos, new RefusalLimiter(config), new RefusalAudit(repos, config), database);
  const tokens: Record<string, string> = {};
  for (const [person, role] of Object.entries(PEOPLE)) tokens[person] = (await access.create({ name: person, role }, 'faults')).token;

  return {
    api,
    workers,
    temporal,
    postgres: own?.server ?? null,
    artifactDir: path.join(dir, 'data', 'artifacts'),
    proxies,
    url: `http://127.0.0.1:${apiPort}/graphql`,
    tokens,
    database,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    taskQueue,
    dataConverter: temporalDataConverter(config.encryption),
    async stop() {
      for (const worker of workers) await worker.kill();
      await api.kill();
      await temporal.kill();
      await database.close();
      if (own) await own.server.kill();
      else {
        const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
