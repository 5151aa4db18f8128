import type { StartContext, WorkerSide } from '../start-up.js';
import { connectWorker, createWorker } from './create-worker.js';
import { installRuntime } from './runtime.js';
import { ensureSearchAttributes } from './search-attributes.js';

/**
 * The worker side of a process (`startUp` runs it): the SDK runtime installed before the first native
 * connection, the connection made (retried while Temporal boots), the search attributes registered, and the
 * workers of the configured pools created.
 */
export async function startWorker({ config, database }: StartContext): Promise<WorkerSide> {
  installRuntime(config);
  const connection = await connectWorker(config);
  await ensureSearchAttributes(connection, config.temporal.namespace);
  const worker = await createWorker({ config, connection, database });
  return {
    queues: worker.workers.map(({ taskQueue, pool }) => ({ taskQueue, pool })),
    run: () => worker.run(),
    shutdown: () => worker.shutdown(),
    close: () => connection.close(),
  };
}
