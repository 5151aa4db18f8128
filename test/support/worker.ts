import type { Client } from '@temporalio/client';
import { createTemporalClient } from '../../api/bootstrap.js';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { createWorker, type WorkerPools } from '../../worker/create-worker.js';
import { installRuntime } from '../../worker/runtime.js';
import { uniqueTaskQueue } from './config.js';

export interface TestWorker {
  /** The orchestration and training workers, on `taskQueue` and `<taskQueue>-training`. */
  worker: WorkerPools;
  client: Client;
  taskQueue: string;
  /** Stops polling, waits for in-flight work, and closes the connections. */
  stop(): Promise<void>;
}

/**
 * A real worker on its own task queue against the run's Temporal server, with the real activities
 * (some may be swapped for named fakes), and a client to start workflows on that queue.
 */
export async function startTestWorker(options: {
  config: Config;
  database: Database;
  taskQueue?: string;
  activityOverrides?: Record<string, (...args: never[]) => unknown>;
}): Promise<TestWorker> {
  installRuntime({ logLevel: 'warn' });
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  // The configured server: the run's shared one, unless a test starts its own (with the Web UI, say).
  const address = options.config.temporal.address;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    config: options.config,
    connection: nativeConnection,
    database: options.database,
    taskQueue,
    workflowBundlePath: inject('workflowBundlePath'),
    activityOverrides: options.activityOverrides,
  });
  const running = worker.run();
  const client = createTemporalClient(options.config);
  return {
    worker,
    client,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await client.connection.close();
      await nativeConnection.close();
    },
  };
}
