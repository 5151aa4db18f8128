import 'reflect-metadata';
import { startApi } from './api/start-api.js';
import { startUp } from './start-up.js';
import { startWorker } from './worker/start-worker.js';

/**
 * The all-in-one process `npm start` runs: the worker and the GraphQL API share one process and one
 * database handle (the embedded PGlite allows a single one). Shutdown stops the API first, then lets
 * the worker finish in-flight activities, then closes the database.
 */
await startUp({ service: 'custody', worker: startWorker, api: startApi });
