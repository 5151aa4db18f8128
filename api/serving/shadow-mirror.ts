/** A copy of one request's inputs for a shadow version, with the primary's prediction id for each. */
export interface ShadowJob {
  modelName: string;
  version: number;
  run: () => Promise<number>;
}

export type ShadowOutcome = 'logged' | 'failed' | 'timeout' | 'dropped';

/** How much shadow work may be under way and waiting, and how long one copy may take before its slot is given back. */
export interface ShadowLimits {
  concurrency: number;
  queue: number;
  timeoutMs: number;
}

export const SHADOW_LIMITS: ShadowLimits = { concurrency: 4, queue: 1000, timeoutMs: 10_000 };

/**
 * Runs shadow predictions off the request path, so a shadow can never slow or fail the answers users get: a job
 * starts only after the request's answer is built (on a later turn), at most `concurrency` run at once, at most
 * `queue` wait, and beyond that copies are dropped and counted. A shadow that hangs gives its slot back after
 * `timeoutMs` (its work is abandoned, not awaited); one that throws is counted as failed.
 */
export class ShadowMirror {
  private running = 0;
  private readonly waiting: ShadowJob[] = [];

  constructor(
    private readonly count: (job: ShadowJob, outcome: ShadowOutcome, rows: number) => void,
    private readonly limits: ShadowLimits = SHADOW_LIMITS,
  ) {}

  /** Takes a job, or drops it when the queue is full. Never throws and never waits. */
  offer(job: ShadowJob): void {
    if (this.waiting.length >= this.limits.queue) {
      this.count(job, 'dropped', 1);
      return;
    }
    this.waiting.push(job);
    setImmediate(() => this.next());
  }

  get pending(): number {
    return this.running + this.waiting.length;
  }

  private next(): void {
    while (this.running < this.limits.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.execute(job).finally(() => {
        this.running--;
        this.next();
      });
    }
  }

  private async execute(job: ShadowJob): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.limits.timeoutMs)));
    try {
      const result = await Promise.race([job.run(), timeout]);
      if (result === 'timeout') this.count(job, 'timeout', 1);
      else this.count(job, 'logged', result);
    } catch {
      this.count(job, 'failed', 1);
    } finally {
      clearTimeout(timer);
    }
  }
}
