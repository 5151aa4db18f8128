import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a module. From the TypeScript sources (tests) the thread registers the tsx loader
 * first; from the build it loads the compiled JS directly.
 */
export function startThread(moduleUrl: URL, workerData?: unknown): Worker {
  return moduleUrl.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`, { eval: true, workerData })
    : new Worker(moduleUrl, { workerData });
}

/** Runs a module in a worker thread and resolves with its one message. Aborting the signal terminates the thread. */
export function runInThread<T>(moduleUrl: URL, workerData: unknown, signal?: AbortSignal): Promise<T> {
  const worker = startThread(moduleUrl, workerData);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      void worker.terminate();
      finish(() => reject(signal!.reason ?? new Error('aborted')));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: T) => {
      finish(() => resolve(message));
      void worker.terminate();
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the thread exited with code ${code} before answering`))));
  });
}

/** The sibling module `name` of `base`, keeping the source or build extension. */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}
