import { availableParallelism } from 'node:os';
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

/** Runs a module in a fresh worker thread and resolves with its one message. Aborting the signal terminates the thread. */
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

/** A message for a pool thread, and the buffers it moves there (no longer usable here). */
export interface ThreadJob {
  message: unknown;
  transfer?: ArrayBuffer[];
}

interface Task<R> {
  make: () => ThreadJob;
  /** Made ahead of its turn, while the threads were busy. */
  job?: ThreadJob;
  resolve: (reply: R) => void;
  reject: (error: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  settled?: boolean;
}

export interface ThreadPoolOptions {
  /** Names the pool in errors ("drift thread: …"). */
  name: string;
  /** Threads at most; each runs one job at a time. The machine's cores by default. */
  size?: number;
  /** A thread is replaced by a fresh one after this many jobs, so no heap outlives many jobs (none by default). */
  jobsPerThread?: number;
}

/**
 * Long-lived worker threads running one module, one job each at a time. A thread starts when a job first
 * needs it (up to `size`), and answers each message with `{ reply }` or `{ error }`. Jobs wait in order for
 * a free thread and are made (their columns converted, say) as their turn nears, not when asked for.
 * A job whose signal aborts leaves the queue, or, when running, has its thread terminated and replaced;
 * a thread that dies fails only its own job. A thread keeps the process alive only while it has a job.
 */
export class ThreadPool<R> {
  private readonly threads = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly queue: Task<R>[] = [];
  private readonly busy = new Map<Worker, Task<R>>();
  private readonly served = new Map<Worker, number>();
  private preparing = false;

  constructor(
    private readonly moduleUrl: URL,
    private readonly options: ThreadPoolOptions,
  ) {}

  get size(): number {
    return Math.max(1, this.options.size ?? availableParallelism());
  }

  /** Runs the job `make` gives on a pool thread, and resolves with the thread's reply. */
  run(make: () => ThreadJob, signal?: AbortSignal): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (signal?.aborted) return reject(reasonOf(signal));
      const task: Task<R> = { make, resolve, reject, signal };
      if (signal) {
        task.onAbort = () => this.abort(task);
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stops every thread; jobs still waiting or running fail. */
  async close(): Promise<void> {
    const threads = [...this.threads];
    this.threads.clear();
    this.idle.length = 0;
    const open = [...this.queue.splice(0), ...this.busy.values()];
    this.busy.clear();
    for (const task of open) this.settle(task, () => task.reject(new Error(`the ${this.options.name} threads were closed`)));
    await Promise.all(threads.map((thread) => thread.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const thread = this.idle.pop() ?? (this.threads.size < this.size ? this.spawn() : undefined);
      if (!thread) break;
      const task = this.queue.shift()!;
      let job: ThreadJob;
      try {
        job = task.job ?? task.make();
      } catch (error) {
        this.idle.push(thread);
        thread.unref();
        this.settle(task, () => task.reject(error instanceof Error ? error : new Error(String(error))));
        continue;
      }
      this.busy.set(thread, task);
      // A thread keeps the process alive while it works for someone, and not while it waits for work.
      thread.ref();
      thread.postMessage(job.message, job.transfer ?? []);
    }
    this.prepareAhead();
  }

  /**
   * Makes the next jobs while the threads work, one a turn of the event loop (so answers are taken between
   * two), until one waits for each thread. A job that cannot be made is made again at its turn, which fails it.
   */
  private prepareAhead(): void {
    if (this.preparing) return;
    const next = this.queue.slice(0, this.size).find((task) => !task.job);
    if (!next) return;
    this.preparing = true;
    setImmediate(() => {
      this.preparing = false;
      if (this.queue.includes(next)) {
        try {
          next.job ??= next.make();
        } catch {
          // left to dispatch
        }
      }
      this.prepareAhead();
    });
  }

  private spawn(): Worker {
    const thread = startThread(this.moduleUrl);
    this.threads.add(thread);
    thread.on('message', ({ reply, error }: { reply?: R; error?: string }) => this.answered(thread, reply, error));
    thread.once('error', (error) => this.lost(thread, error));
    thread.once('exit', (code) => this.lost(thread, new Error(`a ${this.options.name} thread exited with code ${code}`)));
    return thread;
  }

  private answered(thread: Worker, reply: R | undefined, error: string | undefined): void {
    const task = this.busy.get(thread);
    this.busy.delete(thread);
    if (task) this.settle(task, () => (error !== undefined ? task.reject(new Error(`${this.options.name} thread: ${error}`)) : task.resolve(reply!)));
    const served = (this.served.get(thread) ?? 0) + 1;
    this.served.set(thread, served);
    if (served >= (this.options.jobsPerThread ?? Infinity)) this.retire(thread);
    else if (this.threads.has(thread)) this.idle.push(thread);
    this.dispatch();
    if (this.idle.includes(thread)) thread.unref();
  }

  /** A thread that crashed or exited: its job fails, and the next job that needs a thread starts a fresh one. */
  private lost(thread: Worker, error: Error): void {
    if (!this.threads.delete(thread)) return;
    this.served.delete(thread);
    const idle = this.idle.indexOf(thread);
    if (idle >= 0) this.idle.splice(idle, 1);
    const task = this.busy.get(thread);
    this.busy.delete(thread);
    if (task) this.settle(task, () => task.reject(error));
    this.dispatch();
  }

  /** Takes a thread out of the pool and stops it (its exit is then nobody's failure). */
  private retire(thread: Worker): void {
    this.threads.delete(thread);
    this.served.delete(thread);
    void thread.terminate();
  }

  private abort(task: Task<R>): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    for (const [thread, running] of this.busy) {
      if (running !== task) continue;
      this.busy.delete(thread);
      this.retire(thread);
    }
    this.settle(task, () => task.reject(reasonOf(task.signal!)));
    this.dispatch();
  }

  private settle(task: Task<R>, fn: () => void): void {
    if (task.settled) return;
    task.settled = true;
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
    fn();
  }
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
