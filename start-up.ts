import { loadConfigOrExit, type Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { tracingFromEnv } from './observability/tracing.js';
import { verifyKeyringOrExit } from './storage/encryption/verify-keyring.js';

/** What each side of a process starts from: the configuration, parsed once, and the database, migrated. */
export interface StartContext {
  config: Config;
  database: Database;
}

/** The worker side of a process, its pools created but not yet polling. */
export interface WorkerSide {
  /** The task queues it polls, each with its pool, for the start-up line. */
  queues: { taskQueue: string; pool: string }[];
  /** Polls until `shutdown` has let in-flight activities finish. */
  run(): Promise<void>;
  shutdown(): void;
  /** Once `run` has ended: closes its Temporal connection. */
  close(): Promise<void>;
}

/** The API side of a process, listening. */
export interface ApiSide {
  /** The Temporal Web UI's list of workflows, for the banner. */
  temporalUi: string;
  /** On a database with no admin, prints how to create the first admin token. */
  announceFirstAdmin(graphqlUrl: string): Promise<void>;
  /** Stops serving requests. */
  stop(): Promise<void>;
  /** Once the process has stopped: closes its Temporal client. */
  close(): Promise<void>;
}

/** The data plane of a process (serving/), listening on its own port. */
export interface ServingSide {
  url: string;
  /** Stops serving requests; answered predictions are flushed to the log. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export interface StartUpOptions {
  /** The service name its spans carry. */
  service: string;
  worker?: (context: StartContext) => Promise<WorkerSide>;
  api?: (context: StartContext) => Promise<ApiSide>;
  serving?: (context: StartContext) => Promise<ServingSide>;
}

/**
 * The start-up of every entry point, each passing the sides it runs: the configuration (or one line and exit 1),
 * tracing, the database migrated and the keyring checked against it, then the worker, then the API. The sides
 * are arguments so that the API alone never loads worker code. On SIGINT or SIGTERM the API stops first, then
 * the worker finishes in-flight activities, then Temporal connections, the database and tracing close (buffered
 * spans are sent), and the process exits 0.
 */
export async function startUp(options: StartUpOptions): Promise<never> {
  const config = loadConfigOrExit();
  const tracing = tracingFromEnv(options.service);
  const database = await openDatabase(config.database);
  await database.migrate();
  await verifyKeyringOrExit(database, config.encryption?.keyring);
  const context = { config, database };
  const worker = await options.worker?.(context);
  const api = await options.api?.(context);
  const serving = await options.serving?.(context);
  if (serving) process.stdout.write(`custody serving: predictions at ${serving.url}/v1/models/{name}/predict (process ${process.pid})\n`);
  await announce(context, worker, api);
  const stopped = new Promise<void>((resolve) =>
    onShutdownSignal(async () => {
      await serving?.stop();
      await api?.stop();
      worker?.shutdown();
      resolve();
    }),
  );
  await (worker ? worker.run() : stopped);
  await serving?.close();
  await api?.close();
  await worker?.close();
  await database.close();
  await tracing?.shutdown();
  process.exit(0);
}

/** The lines a started process prints: operators read them, and `npm start`, the fault suite and tests wait for them. */
async function announce({ config, database }: StartContext, worker: WorkerSide | undefined, api: ApiSide | undefined): Promise<void> {
  if (!api) {
    if (worker) process.stdout.write(`custody worker: polling task queues ${worker.queues.map((q) => `${q.taskQueue} (${q.pool})`).join(' and ')} on ${config.temporal.address}\n`);
    return;
  }
  if (!worker) {
    process.stdout.write(`custody api: the console at http://${config.http.host}:${config.http.port}/, GraphQL at /graphql\n`);
    return await api.announceFirstAdmin(`http://localhost:${config.http.port}/graphql`);
  }
  // Loopback and every-interface addresses are printed as localhost: the Temporal UI (localhost) and the console must
  // be the same site for the console's codec session cookie to reach /codec.
  const url = `http://${['0.0.0.0', '127.0.0.1', '::', '::1'].includes(config.http.host) ? 'localhost' : config.http.host}:${config.http.port}`;
  process.stdout.write(
    [
      '',
      `custody is running (database: ${database.driver === 'pglite' ? 'embedded PGlite' : 'Postgres'}, task queue: ${config.temporal.taskQueue})`,
      `  Console      ${url}/`,
      `  GraphQL      ${url}/graphql`,
      `  Temporal UI  ${api.temporalUi}`,
      '  Ctrl-C stops it; runs survive restarts.',
      '',
    ].join('\n'),
  );
  await api.announceFirstAdmin(`${url}/graphql`);
}

/**
 * Calls `stop` once on the first SIGINT or SIGTERM; a second signal exits at once. A process started
 * with an IPC channel (`npm start` starts the app so) also stops when that channel closes: its
 * launcher is gone, whether it exited or was killed, and nobody else would stop it.
 */
function onShutdownSignal(stop: () => void | Promise<void>): void {
  let stopping = false;
  const begin = (why: string) => {
    if (stopping) {
      process.stderr.write('custody: second signal; exiting now\n');
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`custody: ${why}; finishing in-flight work…\n`);
    void stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => begin(`${signal} received`));
  if (typeof process.send !== 'function') return;
  const launcherGone = () => {
    if (!stopping) begin('the launcher is gone');
  };
  if (!process.connected) return launcherGone();
  process.channel?.unref();
  process.on('disconnect', launcherGone);
}
