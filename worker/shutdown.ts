/**
 * Calls `stop` once on the first SIGINT or SIGTERM; a second signal exits at once. A process started
 * with an IPC channel (`npm start` starts the app so) also stops when that channel closes: its
 * launcher is gone, whether it exited or was killed, and nobody else would stop it.
 */
export function onShutdownSignal(stop: () => void | Promise<void>): void {
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
