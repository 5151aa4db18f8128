import { loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';
import { verifyKeyringOrExit } from '../storage/encryption/verify-keyring.js';
import { connectWorker, createWorker } from './create-worker.js';
import { ensureSearchAttributes } from './search-attributes.js';
import { installRuntime } from './runtime.js';
import { onShutdownSignal } from './shutdown.js';
import { tracingFromEnv } from '../observability/tracing.js';

/** The worker process on its own (docker-compose's `worker` service). */
const config = loadConfigOrExit();
const tracing = tracingFromEnv('custody-worker');
installRuntime(config);
const database = await openDatabase(config.database);
await database.migrate();
await verifyKeyringOrExit(database, config.encryption?.keyring);
const connection = await connectWorker(config);
await ensureSearchAttributes(connection, config.temporal.namespace);
const worker = await createWorker({ config, connection, database });
onShutdownSignal(() => worker.shutdown());
process.stdout.write(`custody worker: polling task queues ${worker.workers.map((w) => `${w.taskQueue} (${w.pool})`).join(' and ')} on ${config.temporal.address}\n`);
await worker.run();
await connection.close();
await database.close();
// Spans still buffered are sent before the process ends.
await tracing?.shutdown();
