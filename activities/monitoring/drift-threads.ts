import type { PredictionDrift } from '../../db/schema/monitoring.js';
import type { Cell } from '../../storage/read-rows.js';
import { siblingModule, ThreadPool } from '../threads.js';
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

/**
 * Numeric drift on every core: a pool of worker threads that sort columns and compute PSI and KS, one column
 * per job. Columns travel as typed arrays, moved (not copied) between threads, so a reference handed to
 * `compare` belongs to the pool until its answer comes back with it. Results equal the single-threaded
 * `compareColumn`'s: the same functions run in each thread.
 */
export class DriftThreads {
  private readonly pool: ThreadPool<DriftReply>;

  constructor(size?: number) {
    this.pool = new ThreadPool(siblingModule(import.meta.url, 'drift-thread'), { name: 'drift', size });
  }

  /** Each column's finite numbers sorted, with their decile edges. */
  async sortColumns(columns: readonly (readonly Cell[])[]): Promise<SortedColumn[]> {
    const replies = await Promise.all(
      columns.map((cells) =>
        this.pool.run(() => {
          const values = finiteNumbers(cells);
          return { message: { kind: 'sort', values } satisfies DriftJob, transfer: [values.buffer as ArrayBuffer] };
        }),
      ),
    );
    return replies.map((reply) => {
      if (reply.kind !== 'sorted') throw new Error('a drift thread answered a sort with a comparison');
      return { values: reply.values, edges: reply.edges };
    });
  }

  /** Each current column compared with its sorted reference, as `compareColumn` would. */
  async compare(pairs: readonly { reference: SortedColumn; current: readonly Cell[]; limits: DriftLimits }[]): Promise<PredictionDrift[]> {
    return await Promise.all(
      pairs.map(async ({ reference, current, limits }) => {
        const reply = await this.pool.run(() => {
          const values = finiteNumbers(current);
          const job: DriftJob = { kind: 'compare', reference: reference.values, edges: reference.edges, current: values, limits };
          return { message: job, transfer: [reference.values.buffer as ArrayBuffer, values.buffer as ArrayBuffer] };
        });
        if (reply.kind !== 'compared') throw new Error('a drift thread answered a comparison with a sort');
        reference.values = reply.reference;
        return reply.drift;
      }),
    );
  }

  get size(): number {
    return this.pool.size;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
