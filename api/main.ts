import 'reflect-metadata';
import { startUp } from '../start-up.js';
import { startApi } from './start-api.js';

/** The API process on its own (docker-compose's `api` service). It owns the schema: it migrates at start. */
await startUp({ service: 'custody-api', api: startApi });
