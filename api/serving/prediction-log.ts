import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { NewPredictionRow } from '../../db/schema/index.js';
import { CONFIG, REPOSITORIES } from '../core/tokens.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PredictionSpool } from './prediction-spool.js';

const BATCH = 500;
const INTERVAL_MS = 250;
/** How often segments the database refused, and orphans of dead processes, are tried again. */
const RETRY_MS = 2000;

/** A prediction's log row as the serving path knows it; `createdAt` is already its ISO text (one per request, not per row). */
export interface LoggedPrediction {
  id: string;
  modelId: string;
  modelVersionId: string;
  role: string;
  requestKey: string | null;
  inputs: Record<string, unknown>;
  output: NonNullable<NewPredictionRow['output']>;
  latencyMs: number;
  createdAt: string;
  /** A shadow's prediction: the id of the prediction answered to the same request. */
  shadowOf?: string;
}

/**
 * The row's JSON text exactly as `JSON.stringify` writes the `NewPredictionRow` it stands for (the spool's line and
 * `insertJson`'s element), written field by field: the hot path's rows skip a generic walk of the object and a
 * Date's `toJSON` per row. Ids are UUIDs from the registry and `predictionId`, so they need no escaping.
 */
export function predictionRowJson(row: LoggedPrediction): string {
  return `{"id":"${row.id}","modelId":"${row.modelId}","modelVersionId":"${row.modelVersionId}","role":${JSON.stringify(row.role)},"requestKey":${row.requestKey === null ? 'null' : JSON.stringify(row.requestKey)},"inputs":${JSON.stringify(row.inputs)},"output":${JSON.stringify(row.output)},"latencyMs":${JSON.stringify(row.latencyMs)},"createdAt":"${row.createdAt}"${row.shadowOf === undefined ? '' : `,"shadowOf":"${row.shadowOf}"`}}`;
}

/**
 * Writes predictions to the database in batches, off the request path, with a write-ahead spool on local disk:
 * a prediction is in the spool before its answer goes out, and leaves it once the database has it. A batch the
 * database refuses stays spooled and is tried again; so are the segments of a process that died, by whichever
 * process finds them. A row is lost only if the spool itself cannot take it (the disk full): it is then counted,
 * logged and reported by `servingStats`, and the prediction is still answered.
 */
@Injectable()
export class PredictionLog implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PredictionLog');
  private readonly spool: PredictionSpool;
  /** Spooled rows, each as its JSON text, waiting for the database. */
  private buffer: string[] = [];
  /** Rows (as JSON text) of this turn's requests, waiting for their one write to the spool. */
  private arriving: string[] = [];
  /** The requests those rows came from, resolved once the rows are spooled. */
  private waiting: (() => void)[] = [];
  /** Sealed segments the database has not taken yet, with how many rows each holds. */
  private readonly retained = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private retrying: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  readonly stats = { logged: 0, lost: 0 };

  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    private readonly metrics: MetricsService,
    @Inject(CONFIG) config: Config,
  ) {
    this.spool = new PredictionSpool(config.serving.spoolDir);
  }

  onModuleInit(): void {
    this.retrying = setInterval(() => void this.retry(), RETRY_MS);
    this.retrying.unref();
    void this.retry();
  }

  /**
   * Takes a request's rows, each as its JSON text (`predictionRowJson`); resolves once they are in the spool, and the
   * answer may go out. The rows of every request of one turn of the event loop go to disk in one write.
   */
  add(rowsJson: readonly string[]): Promise<void> {
    return new Promise((resolve) => {
      for (const row of rowsJson) this.arriving.push(row);
      this.waiting.push(resolve);
      if (this.waiting.length === 1) setImmediate(() => this.spoolArrived());
    });
  }

  /** Spools what arrived this turn in one write, then buffers it for the database; never fails a prediction. */
  private spoolArrived(): void {
    const rows = this.arriving;
    const waiting = this.waiting;
    this.arriving = [];
    this.waiting = [];
    try {
      this.spool.append(rows);
      for (const row of rows) this.buffer.push(row);
      if (this.buffer.length >= BATCH) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), INTERVAL_MS);
    } catch (error) {
      this.stats.lost += rows.length;
      this.metrics.predictionLog.inc({ outcome: 'lost' }, rows.length);
      this.logger.error(`${rows.length} predictions could not be spooled and are lost (${this.stats.lost} in all): ${(error as Error).message}`);
    }
    for (const resolve of waiting) resolve();
  }

  /** Predictions answered but not yet in the database. */
  get pending(): number {
    return this.arriving.length + this.buffer.length + [...this.retained.values()].reduce((a, b) => a + b, 0);
  }

  /** Writes what is buffered; resolves when every write started so far has ended. */
  flush(): Promise<void> {
    if (this.waiting.length > 0) this.spoolArrived();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    const segment = this.spool.seal();
    if (segment) this.retained.set(segment, batch.length);
    return this.serially(async () => {
      if (segment) await this.write(segment, batch);
    });
  }

  /** Tries again every segment the database refused before, and takes over the orphans of dead processes. */
  retry(): Promise<void> {
    return this.serially(async () => {
      for (const orphan of this.spool.orphans()) if (!this.retained.has(orphan)) this.retained.set(orphan, 0);
      for (const segment of [...this.retained.keys()]) {
        const rows = this.spool.read(segment);
        this.retained.set(segment, rows.length);
        if (!(await this.write(segment, rows))) return;
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.retrying) clearInterval(this.retrying);
    await this.flush();
    await this.retry();
  }

  /** Writes a sealed segment's rows, then removes it; false (and the segment kept) if the database refused. */
  private async write(segment: string, rows: string[]): Promise<boolean> {
    try {
      await this.repos.predictions.insertJson(`[${rows.join(',')}]`);
    } catch (error) {
      this.logger.warn(`${rows.length} predictions wait in the spool for the database: ${(error as Error).message}`);
      return false;
    }
    await this.spool.remove(segment).catch((error: Error) => this.logger.warn(`a written spool segment stays on disk: ${error.message}`));
    this.retained.delete(segment);
    this.stats.logged += rows.length;
    this.metrics.predictionLog.inc({ outcome: 'logged' }, rows.length);
    return true;
  }

  private serially(work: () => Promise<void>): Promise<void> {
    this.flushing = this.flushing.then(work, work);
    return this.flushing;
  }
}
