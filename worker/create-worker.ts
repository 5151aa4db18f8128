import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config.js';
import { createActivities } from '../activities/index.js';
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

/**
 * Builds the worker: every workflow from workflows/index.ts and every activity from the per-domain
 * factories. On shutdown it stops polling and gives running activities the grace time to finish or
 * to see their cancellation through a heartbeat.
 */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { config, connection, database } = options;
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: WORKFLOWS_ENTRY };
  return await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: options.taskQueue ?? config.temporal.taskQueue,
    ...workflowSource,
    activities: { ...createActivities({ database, artifacts: config.artifacts, importDir: config.importDir, webhookAllowRanges: config.security.webhookAllowRanges }), ...options.activityOverrides },
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    shutdownGraceTime: '30 seconds',
  });
}

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
