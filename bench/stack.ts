import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import postgres from 'postgres';
import { createActivities } from '../activities/index.js';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories/index.js';
import { parsePipelineSpec, type PipelineSpec } from '../domain/pipeline/spec.js';
import { trainingTaskQueue } from '../domain/task-queues.js';
import { PROJECT_ROOT } from '../paths.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { benchActivities } from './activities.js';

// What the Temporal benchmarks share: a database of their own, a worker on a task queue of its own (plus the
// training pool's), a client, and the small pipeline they run.

/** The bench's workflows: compiled (npm run bench builds first, for NestJS's decorator metadata) or from source. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './workflows.ts' : './workflows.js', import.meta.url));

/**
 * A small pipeline: iris, validation, one logistic-regression trial, evaluation, registry, production; no gate.
 * `more` overrides its fields (gates, say, or no deployment).
 */
export function smallSpec(name: string, more: Record<string, unknown> = {}): PipelineSpec {
  const parsed = parsePipelineSpec({
    name,
    dataset: { name: 'iris', file: 'examples/iris/iris.csv' },
    task: 'classification',
    target: 'species',
    training: { trainer: 'logistic-regression', params: { numSteps: 200 } },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    deployment: { production: {} },
    ...more,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec;
}

/** A fresh database of the bench's own, dropped by `drop`; its `url` when it is PostgreSQL, which other processes can reach. */
export async function openBenchDatabase(): Promise<{ database: Database; kind: string; url?: string; drop: () => Promise<void> }> {
  const admin = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const sql = postgres(admin, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const name = `custody_bench_${randomBytes(4).toString('hex')}`;
    await sql.unsafe(`create database ${name}`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    const database = await openDatabase({ kind: 'postgres', url: url.toString() });
    await database.migrate();
    const drop = async () => {
      await database.close();
      await sql.unsafe(`drop database ${name} with (force)`);
      await sql.end();
    };
    return { database, kind: 'PostgreSQL', url: url.toString(), drop };
  } catch {
    await sql.end({ timeout: 1 });
    const database = await openDatabase({ kind: 'pglite' });
    await database.migrate();
    return { database, kind: 'PGlite (no PostgreSQL reachable)', drop: () => database.close() };
  }
}

export interface Stack {
  address: string;
  taskQueue: string;
  database: Database;
  /** PostgreSQL, or PGlite when none is reachable. */
  kind: string;
  /** The database's URL when it is PostgreSQL, which other processes can reach. */
  url?: string;
  config: Config;
  repos: Repositories;
  native: NativeConnection;
  client: Client;
  /** Stops the workers; the client and the database stay open. */
  stopWorkers(): Promise<void>;
  /** Closes the connections and drops the database. */
  close(): Promise<void>;
}

/** The database, a worker for the bench's task queue (Custody's workflows plus the bench's), the training pool's worker, and a client. */
export async function openStack(address: string): Promise<Stack> {
  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const { database, kind, url, drop } = await openBenchDatabase();
  const dataDir = path.join(os.tmpdir(), `custody-bench-${taskQueue}`);
  const config = loadConfig({ TEMPORAL_ADDRESS: address, CUSTODY_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const native = await NativeConnection.connect({ address });
  await ensureSearchAttributes(native, 'default');
  const activities = () => createActivities({ database, artifacts: config.artifacts, importDir: PROJECT_ROOT });
  const limits = { maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities };
  const worker = await Worker.create({ connection: native, taskQueue, workflowsPath: WORKFLOWS_PATH, activities: { ...activities(), ...benchActivities }, ...limits });
  // Trials run on the training pool's queue, as in production.
  const trainingWorker = await Worker.create({ connection: native, taskQueue: trainingTaskQueue(taskQueue), activities: activities(), ...limits });
  const running = Promise.all([worker.run(), trainingWorker.run()]);
  const client = new Client({ connection: await Connection.connect({ address }) });
  let stopped = false;
  const stopWorkers = async () => {
    if (stopped) return;
    stopped = true;
    worker.shutdown();
    trainingWorker.shutdown();
    await running;
  };
  const close = async () => {
    await stopWorkers();
    await client.connection.close();
    await native.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { address, taskQueue, database, kind, url, config, repos: createRepositories(database.db), native, client, stopWorkers, close };
}
