import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Repositories } from '../../db/repositories/index.js';
import type { NewPredictionRow } from '../../db/schema/index.js';
import { REPOSITORIES } from '../core/tokens.js';
import { MetricsService } from '../metrics/metrics.service.js';

const BATCH = 500;
const INTERVAL_MS = 250;

/**
 * Writes predictions to the database in batches, off the request path. A failed write never fails a
 * prediction: the rows are counted as lost, logged, and reported by `servingStats`.
 */
@Injectable()
export class PredictionLog implements OnModuleDestroy {
  private readonly logger = new Logger('PredictionLog');
  private buffer: NewPredictionRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  readonly stats = { logged: 0, lost: 0 };

  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    private readonly metrics: MetricsService,
  ) {}

  add(rows: NewPredictionRow[]): void {
    this.buffer.push(...rows);
    if (this.buffer.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), INTERVAL_MS);
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Writes what is buffered; resolves when every write started so far has ended. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.repos.predictions.insertMany(batch);
        this.stats.logged += batch.length;
        this.metrics.predictionLog.inc({ outcome: 'logged' }, batch.length);
      } catch (error) {
        this.stats.lost += batch.length;
        this.metrics.predictionLog.inc({ outcome: 'lost' }, batch.length);
        this.logger.warn(`${batch.length} predictions could not be logged (${this.stats.lost} lost in all): ${(error as Error).message}`);
      }
    });
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }
}
