import 'reflect-metadata';
import { loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';
import { verifyKeyringOrExit } from '../storage/encryption/verify-keyring.js';
import { announceFirstAdmin, createApiApp, createTemporalClient } from './bootstrap.js';
import { tracingFromEnv } from '../observability/tracing.js';

/** The API process on its own (docker-compose's `api` service). It owns the schema: it migrates at start. */
const config = loadConfigOrExit();
const tracing = tracingFromEnv('custody-api');
const database = await openDatabase(config.database);
await database.migrate();
await verifyKeyringOrExit(database, config.encryption?.keyring);
const temporal = createTemporalClient(config);
const app = await createApiApp({ config, database, temporal });
await app.listen(config.http.port, config.http.host);
process.stdout.write(`custody api: the console at http://${config.http.host}:${config.http.port}/, GraphQL at /graphql\n`);
await announceFirstAdmin(app, `http://localhost:${config.http.port}/graphql`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    void (async () => {
      await app.close();
      await temporal.connection.close();
      await database.close();
      // Spans still buffered are sent before the process ends.
      await tracing?.shutdown();
      process.exit(0);
    })();
  });
}
