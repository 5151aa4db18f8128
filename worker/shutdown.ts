/** Calls `stop` once on the first SIGINT or SIGTERM; a second signal exits at once. */
export function onShutdownSignal(stop: () => void | Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        process.stderr.write('custody: second signal; exiting now\n');
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`custody: ${signal} received; finishing in-flight work…\n`);
      void stop();
    });
  }
}
