import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadConfigOrExit } from '../config.js';
import { startUp } from '../start-up.js';
import { runProcesses } from './processes.js';
import { startServing } from './start-serving.js';

/**
 * The data plane on its own (`npm run serving`, docker-compose's `serving`): CUSTODY_SERVING_PROCESSES processes
 * share CUSTODY_SERVING_PORT through the cluster module, each with its own prediction-log spool files. It needs
 * PostgreSQL: the embedded database belongs to the one process that opened it.
 */
const config = loadConfigOrExit();
if (config.database.kind !== 'postgres') {
  process.stderr.write('custody serving: the data plane as a process of its own needs PostgreSQL (DATABASE_URL); on the embedded database, the API answers predictions itself\n');
  process.exit(1);
}
if (cluster.isPrimary && config.serving.processes > 1) await runProcesses(config.serving.processes);
else await startUp({ service: 'custody-serving', serving: startServing });
