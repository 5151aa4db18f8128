import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { PROJECT_ROOT } from '../paths.js';
import { createApiApp, createTemporalClient } from './bootstrap.js';
import { printApiSchema } from './schema.js';

/** `npm run schema`: regenerates schema.gql from the code-first resolvers, for review in diffs. */
const config = loadConfig({ LOG_LEVEL: 'error' });
const database = await openDatabase({ kind: 'pglite' });
// The API's start-up hooks read the database (audits owed from a migration): give them a migrated one.
await database.migrate();
const temporal = createTemporalClient(config);
const app = await createApiApp({ config, database, temporal });
await app.init();
writeFileSync(path.join(PROJECT_ROOT, 'schema.gql'), printApiSchema(app));
await app.close();
await database.close();
process.stdout.write('custody: wrote schema.gql\n');
