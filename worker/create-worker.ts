import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { trainingTaskQueue, type WorkerPool } from '../domain/task-queues.js';
import { runIdInLogs } from './log-attributes.js';
import { WORKFLOW_TRACING_MODULE, workerTracing } from '../observability/tracing.js';
import type { Config } from '../config.js';
import { temporalDataConverter } from '../clients/payload-codec.js';
import { createActivities } from '../activities/index.js';
import { TRAINING_ACTIVITY_NAMES } from '../activities/training/training.activities.js';
import { SCORING_POOL_ACTIVITY_NAMES } from '../activities/scoring/scoring.activities.js';
import type { Database } from '../db/client.js';
import { WORKFLOWS_ENTRY } from '../paths.js';

export interface CreateWorkerOptions {
  config: Config;
  connection: NativeConnection;
  database: Database;
  /** A pre-built workflow bundle (tests build one per run); otherwise workflows/ is bundled at start. */
  workflowBundlePath?: string;
  taskQueue?: string;
  /** Replace activities by name; for fakes of things outside our control in tests. */
  activityOverrides?: Record<string, (...args: never[]) => unknown>;
}

/** The workers of one process, one per pool it serves, run and stopped together. */
export class WorkerPools {
  constructor(readonly workers: { pool: WorkerPool; taskQueue: string; worker: Worker }[]) {}

  /** Runs every worker until all have stopped; if one fails, the others are stopped and the failure thrown. */
  async run(): Promise<void> {
    const running = this.workers.map(({ worker }) => worker.run());
    try {
      await Promise.all(running);
    } catch (error) {
      this.shutdown();
      await Promise.allSettled(running);
      throw error;
    }
  }

  /** Stops polling on every pool; running activities get the grace time to finish. */
  shutdown(): void {
    for (const { worker } of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}

/**
 * Builds the workers of the pools `config.worker.pools` names. Orchestration polls the task queue with
 * every workflow and every activity but training; training polls `<queue>-training` with the trial
 * activity and batch scoring's whole-file activities. On shutdown each stops polling and gives running activities the grace time to finish
 * or to see their cancellation through a heartbeat.
 */
export async function createWorker(options: CreateWorkerOptions): Promise<WorkerPools> {
  const { config, connection, database } = options;
  const taskQueue = options.taskQueue ?? config.temporal.taskQueue;
  const { training: trainingActivities, rest } = splitActivities({ ...createActivities({ database, artifacts: config.artifacts, keyring: config.encryption?.keyring, importDir: config.importDir, webhookAllowRanges: config.security.webhookAllowRanges }), ...options.activityOverrides });
  const tracing = workerTracing();
  const common = {
    connection,
    namespace: config.temporal.namespace,
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    shutdownGraceTime: '30 seconds',
    // A prebuilt bundle (tests) carries the tracing workflow interceptors itself; one bundled here is given them.
    interceptors: { activity: [tracing.activity, runIdInLogs], workflowModules: options.workflowBundlePath ? [] : [WORKFLOW_TRACING_MODULE] },
    sinks: tracing.sinks,
    dataConverter: temporalDataConverter(config.encryption),
  } satisfies Partial<WorkerOptions>;
  const workers = [];
  if (config.worker.pools.includes('orchestration')) {
    const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_ENTRY };
    workers.push({ pool: 'orchestration' as const, taskQueue, worker: await Worker.create({ ...common, taskQueue, ...workflowSource, activities: rest }) });
  }
  if (config.worker.pools.includes('training')) {
    const queue = trainingTaskQueue(taskQueue);
    workers.push({ pool: 'training' as const, taskQueue: queue, worker: await Worker.create({ ...common, taskQueue: queue, activities: trainingActivities }) });
  }
  return new WorkerPools(workers);
}

/** The trial activities (the training pool's) apart from the rest (orchestration's). */
function splitActivities(all: Record<string, unknown>): { training: Record<string, unknown>; rest: Record<string, unknown> } {
  const training = Object.fromEntries(Object.entries(all).filter(([name]) => TRAINING_ACTIVITIES.has(name)));
  const rest = Object.fromEntries(Object.entries(all).filter(([name]) => !TRAINING_ACTIVITIES.has(name)));
  return { training, rest };
}

/** The training pool's activities: trials, and batch scoring's whole-file work. */
const TRAINING_ACTIVITIES = new Set<string>([...TRAINING_ACTIVITY_NAMES, ...SCORING_POOL_ACTIVITY_NAMES]);

/** Connects to the Temporal frontend, retrying while it starts (the dev server may still be booting). */
export async function connectWorker(config: Config, attempts = 30): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect({ address: config.temporal.address });
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
