import 'reflect-metadata';
import { announceFirstAdmin, createApiApp, createTemporalClient } from './api/bootstrap.js';
import { temporalUiLink } from './api/common/temporal-ui.js';
import { loadConfigOrExit } from './config.js';
import { openDatabase } from './db/client.js';
import { verifyKeyringOrExit } from './storage/encryption/verify-keyring.js';
import { connectWorker, createWorker } from './worker/create-worker.js';
import { ensureSearchAttributes } from './worker/search-attributes.js';
import { installRuntime } from './worker/runtime.js';
import { onShutdownSignal } from './worker/shutdown.js';
import { tracingFromEnv } from './observability/tracing.js';

/**
 * The all-in-one process `npm start` runs: the worker and the GraphQL API share one process and one
 * database handle (the embedded PGlite allows a single one). Shutdown stops the API first, then lets
 * the worker finish in-flight activities, then closes the database.
 */
const config = loadConfigOrExit();
// Spans still buffered are sent at shutdown.
const tracing = tracingFromEnv('custody');
installRuntime(config);
const database = await openDatabase(config.database);
await database.migrate();
await verifyKeyringOrExit(database, config.encryption?.keyring);

const connection = await connectWorker(config);
await ensureSearchAttributes(connection, config.temporal.namespace);
const worker = await createWorker({ config, connection, database });
const temporal = createTemporalClient(config);
const app = await createApiApp({ config, database, temporal });
await app.listen(config.http.port, config.http.host);

// Loopback and every-interface addresses are printed as localhost: the Temporal UI (localhost) and the console must
// be the same site for the console's codec session cookie to reach /codec.
const url = `http://${['0.0.0.0', '127.0.0.1', '::', '::1'].includes(config.http.host) ? 'localhost' : config.http.host}:${config.http.port}`;
process.stdout.write(
  [
    '',
    `custody is running (database: ${database.driver === 'pglite' ? 'embedded PGlite' : 'Postgres'}, task queue: ${config.temporal.taskQueue})`,
    `  Console      ${url}/`,
    `  GraphQL      ${url}/graphql`,
    `  Temporal UI  ${temporalUiLink(config.temporal, 'workflows')}`,
    '  Ctrl-C stops it; runs survive restarts.',
    '',
  ].join('\n'),
);
await announceFirstAdmin(app, `${url}/graphql`);

onShutdownSignal(async () => {
  await app.close();
  worker.shutdown();
});
await worker.run();
await temporal.connection.close();
await connection.close();
await database.close();
await tracing?.shutdown();
process.exit(0);
