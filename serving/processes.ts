import cluster, { type Worker } from 'node:cluster';

/** A process that dies sooner than this after its start is not replaced again at once: something is wrong with all of them. */
const CRASH_LOOP_MS = 5_000;

/**
 * Runs `count` serving processes sharing one port (the cluster module hands each connection to one of them). A
 * process that dies is replaced, and the new one takes over the spool files the dead one left, so no prediction it
 * answered is lost. SIGINT and SIGTERM (or the launcher gone) stop them all, each finishing its requests and
 * flushing its log, and then this process exits 0.
 */
export async function runProcesses(count: number): Promise<never> {
  let stopping = false;
  const started = new Map<Worker, number>();
  const fork = () => started.set(cluster.fork(), Date.now());
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker) ?? 0);
    started.delete(worker);
    if (stopping) return;
    process.stderr.write(`custody serving: process ${worker.process.pid} ended (${signal ?? `exit ${code}`}); starting another\n`);
    if (lived < CRASH_LOOP_MS) setTimeout(fork, CRASH_LOOP_MS).unref();
    else fork();
  });
  for (let i = 0; i < count; i++) fork();
  const stop = () => {
    stopping = true;
    for (const worker of started.keys()) worker.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started by `npm start`: its launcher gone (the IPC channel closed), nobody else would stop these processes.
  if (typeof process.send === 'function') {
    process.channel?.unref();
    process.on('disconnect', stop);
  }
  return await new Promise<never>(() => {
    cluster.on('exit', () => {
      if (stopping && started.size === 0) process.exit(0);
    });
  });
}
