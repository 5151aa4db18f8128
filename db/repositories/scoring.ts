import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { AuditRepository } from './audit.js';
import { scoringJobs, type ScoringJobRow } from '../schema/index.js';
import type { ScoringJobWrite } from '../../domain/scoring.js';

export type NewScoringJob = Omit<typeof scoringJobs.$inferInsert, 'status' | 'chunks' | 'report' | 'error' | 'finishedAt' | 'createdAt' | 'updatedAt' | 'outputDatasetVersionId'>;

export interface ScoringJobCursor {
  createdAt: Date;
  id: string;
}

/** Scoring jobs: the records of the `batchScore` workflows, each written only by its own workflow. Every write is idempotent. */
export class ScoringRepository {
  constructor(private readonly db: Db) {}

  /** Records a job as running, audited in the same transaction; a job already recorded is returned as it is. */
  async record(job: NewScoringJob): Promise<ScoringJobRow> {
    return await this.db.transaction(async (tx) => {
      const [inserted] = await tx.insert(scoringJobs).values({ ...job, status: 'running' }).onConflictDoNothing({ target: scoringJobs.id }).returning();
      if (!inserted) return (await tx.select().from(scoringJobs).where(eq(scoringJobs.id, job.id)))[0]!;
      await new AuditRepository(tx as unknown as Db).append({
        actor: job.requestedBy,
        action: 'scoring.started',
        subjectType: 'scoring_job',
        subjectId: job.id,
        payload: { model: job.modelName, modelVersionId: job.modelVersionId, inputDatasetVersionId: job.inputDatasetVersionId, output: job.outputDataset, scheduleId: job.scheduleId ?? null },
        idempotencyKey: `scoring:${job.id}:started`,
      });
      return inserted;
    });
  }

  /** Records which chunks are done; a write that knows of fewer done chunks than the record changes nothing. */
  async progress(jobId: string, total: number, done: number[]): Promise<void> {
    await this.db
      .update(scoringJobs)
      .set({ chunks: { total, done: [...done].sort((a, b) => a - b) } })
      .where(and(eq(scoringJobs.id, jobId), eq(scoringJobs.status, 'running'), sql`coalesce(jsonb_array_length(${scoringJobs.chunks}->'done'), -1) < ${done.length}`));
  }

  /** Ends a running job once, audited with its report (which names the rejects file, so it is kept). */
  async finish(write: ScoringJobWrite): Promise<ScoringJobRow | null> {
    return await this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(scoringJobs)
        .set({ status: write.status, report: write.report ?? null, error: write.error ?? null, outputDatasetVersionId: write.report?.outputDatasetVersionId ?? null, finishedAt: new Date() })
        .where(and(eq(scoringJobs.id, write.jobId), eq(scoringJobs.status, 'running')))
        .returning();
      if (!row) return null;
      await new AuditRepository(tx as unknown as Db).append({
        actor: 'system:scoring',
        action: `scoring.${write.status}`,
        subjectType: 'scoring_job',
        subjectId: write.jobId,
        payload: { report: write.report ?? null, error: write.error ?? null },
        idempotencyKey: `scoring:${write.jobId}:finished`,
      });
      return row;
    });
  }

  async get(id: string): Promise<ScoringJobRow | null> {
    const [row] = await this.db.select().from(scoringJobs).where(eq(scoringJobs.id, id));
    return row ?? null;
  }

  async getMany(ids: readonly string[]): Promise<ScoringJobRow[]> {
    if (ids.length === 0) return [];
    return await this.db.select().from(scoringJobs).where(inArray(scoringJobs.id, [...ids]));
  }

  /** A model's jobs (or everyone's), newest first, a page after `after`. */
  async list(filter: { modelName?: string }, limit: number, after?: ScoringJobCursor): Promise<ScoringJobRow[]> {
    const conditions: (SQL | undefined)[] = [
      filter.modelName ? eq(scoringJobs.modelName, filter.modelName) : undefined,
      after ? or(lt(scoringJobs.createdAt, after.createdAt), and(eq(scoringJobs.createdAt, after.createdAt), lt(scoringJobs.id, after.id))) : undefined,
    ];
    return await this.db.select().from(scoringJobs).where(and(...conditions)).orderBy(desc(scoringJobs.createdAt), desc(scoringJobs.id)).limit(limit);
  }
}
