import { startUp } from '../start-up.js';
import { startWorker } from './start-worker.js';

/** The worker process on its own (docker-compose's `worker` service). */
await startUp({ service: 'custody-worker', worker: startWorker });
