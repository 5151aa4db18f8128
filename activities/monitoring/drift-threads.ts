import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { PredictionDrift } from '../../db/schema/monitoring.js';
import type { Cell } from '../../storage/read-rows.js';
import { siblingModule, startThread } from '../threads.js';
import { finiteNumbers, type DriftLimits } from './drift.js';

/** A numeric column sorted ascending, with its decile edges: what PSI and KS need of a reference. */
export interface SortedColumn {
  values: Float64Array;
  edges: number[];
}

export type DriftJob =
  | { kind: 'sort'; values: Float64Array }
  | { kind: 'compare'; reference: Float64Array; edges: number[]; current: Float64Array; limits: DriftLimits };
export type DriftReply = { kind: 'sorted'; values: Float64Array; edges: number[] } | { kind: 'compared'; drift: PredictionDrift; reference: Float64Array };

interface Pending {
  resolve: (reply: DriftReply) => void;
  reject: (error: Error) => void;
}

/**
 * Numeric drift on every core: a pool of worker threads that sort columns and compute PSI and KS, one column
 * per job. Columns travel as typed arrays, moved (not copied) between threads, so a reference handed to
 * `compare` belongs to the pool until its answer comes back with it. Results equal the single-threaded
 * `compareColumn`'s: the same functions run in each thread.
 */
export class DriftThreads {
  private readonly threads: Worker[];
  private readonly idle: Worker[];
  /** Jobs waiting for a thread; each is made (its column converted) when its turn nears, not when it is asked for. */
  private readonly queue: { make: () => DriftJob; job?: DriftJob; pending: Pending }[] = [];
  private preparing = false;
  /** The job each busy thread works on: one at a time. */
  private readonly busy = new Map<Worker, Pending>();

  constructor(size = availableParallelism()) {
    this.threads = Array.from({ length: Math.max(1, size) }, () => this.spawn());
    this.idle = [...this.threads];
  }

  /** Each column's finite numbers sorted, with their decile edges. */
  async sortColumns(columns: readonly (readonly Cell[])[]): Promise<SortedColumn[]> {
    const replies = await Promise.all(columns.map((cells) => this.run(() => ({ kind: 'sort', values: finiteNumbers(cells) }))));
    return replies.map((reply) => {
      if (reply.kind !== 'sorted') throw new Error('a drift thread answered a sort with a comparison');
      return { values: reply.values, edges: reply.edges };
    });
  }

  /** Each current column compared with its sorted reference, as `compareColumn` would. */
  async compare(pairs: readonly { reference: SortedColumn; current: readonly Cell[]; limits: DriftLimits }[]): Promise<PredictionDrift[]> {
    return await Promise.all(
      pairs.map(async ({ reference, current, limits }) => {
        const reply = await this.run(() => ({ kind: 'compare', reference: reference.values, edges: reference.edges, current: finiteNumbers(current), limits }));
        if (reply.kind !== 'compared') throw new Error('a drift thread answered a comparison with a sort');
        reference.values = reply.reference;
        return reply.drift;
      }),
    );
  }

  get size(): number {
    return this.threads.length;
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((thread) => thread.terminate()));
  }

  private spawn(): Worker {
    const thread = startThread(siblingModule(import.meta.url, 'drift-thread'));
    thread.unref();
    thread.on('message', ({ reply, error }: { reply?: DriftReply; error?: string }) => {
      const pending = this.busy.get(thread);
      this.busy.delete(thread);
      if (error !== undefined) pending?.reject(new Error(`drift thread: ${error}`));
      else pending?.resolve(reply!);
      this.release(thread);
    });
    // A thread that dies fails its own job only; a fresh one takes its place, so the pool never stalls.
    thread.once('error', (error) => this.replace(thread, error));
    thread.once('exit', (code) => this.replace(thread, new Error(`a drift thread exited with code ${code}`)));
    return thread;
  }

  private replace(dead: Worker, error: Error): void {
    const at = this.threads.indexOf(dead);
    if (at < 0) return;
    this.busy.get(dead)?.reject(error);
    this.busy.delete(dead);
    const fresh = this.spawn();
    this.threads[at] = fresh;
    const idle = this.idle.indexOf(dead);
    if (idle >= 0) this.idle.splice(idle, 1);
    this.release(fresh);
  }

  private run(make: () => DriftJob): Promise<DriftReply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ make, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const { make, job: made, pending } = this.queue.shift()!;
      let job: DriftJob;
      try {
        job = made ?? make();
      } catch (error) {
        pending.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      const thread = this.idle.pop()!;
      this.busy.set(thread, pending);
      const transfer = job.kind === 'sort' ? [job.values.buffer] : [job.reference.buffer, job.current.buffer];
      thread.postMessage(job, transfer as ArrayBuffer[]);
    }
    this.prepareAhead();
  }

  /**
   * Makes the next jobs while the threads work, one a turn of the event loop (so their answers are taken
   * between two), until one waits for each thread.
   */
  private prepareAhead(): void {
    if (this.preparing) return;
    const next = this.queue.slice(0, this.threads.length).find((entry) => !entry.job);
    if (!next) return;
    this.preparing = true;
    setImmediate(() => {
      this.preparing = false;
      // A column that cannot be converted fails its own job when its turn comes, as it would have.
      if (this.queue.includes(next)) {
        try {
          next.job ??= next.make();
        } catch {
          // left to dispatch, which makes it again and lets the error reach its caller
        }
      }
      this.prepareAhead();
    });
  }

  private release(thread: Worker): void {
    this.idle.push(thread);
    this.dispatch();
  }
}
