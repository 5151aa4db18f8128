import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { pipelineRuns, trials, type TrialRow } from '../schema/index.js';

/** What a finished trial records. */
export interface TrialOutcome {
  metrics: Record<string, number>;
  artifactSha256: string;
  reusedFromTrialId?: string | null;
  featureDecisions?: TrialRow['featureDecisions'];
  privacy?: TrialRow['privacy'];
  learningCurve?: number[] | null;
  prunedAtRound?: number | null;
}

/** Trials of the hyperparameter search: experiment tracking, and the cache of trained artifacts. */
export class TrialsRepository {
  constructor(private readonly db: Db) {}

  /** Marks trial `index` of a run as running (creating its row once), raising its attempt count. */
  async start(input: { runId: string; index: number; trainer: string; params: Record<string, unknown>; cacheKey: string; codeVersion: string; attempt: number; sampleFraction?: number; environment?: TrialRow['environment']; seededFromTrialId?: string | null }): Promise<TrialRow> {
    const now = new Date();
    const [row] = await this.db
      .insert(trials)
      .values({ ...input, status: 'running', attempts: input.attempt, startedAt: now })
      .onConflictDoUpdate({
        target: [trials.runId, trials.index],
        set: { status: 'running', attempts: sql`greatest(${trials.attempts}, ${input.attempt})`, error: null, environment: input.environment ?? null },
      })
      .returning();
    return row!;
  }

  async succeed(id: string, result: TrialOutcome): Promise<void> {
    await this.db
      .update(trials)
      .set({
        status: 'succeeded',
        metrics: result.metrics,
        artifactSha256: result.artifactSha256,
        reusedFromTrialId: result.reusedFromTrialId ?? null,
        featureDecisions: result.featureDecisions ?? null,
        privacy: result.privacy ?? null,
        learningCurve: result.learningCurve ?? null,
        prunedAtRound: result.prunedAtRound ?? null,
        error: null,
        finishedAt: new Date(),
      })
      .where(eq(trials.id, id));
  }

  async fail(id: string, status: 'failed' | 'cancelled', error: string): Promise<void> {
    await this.db.update(trials).set({ status, error, finishedAt: new Date() }).where(eq(trials.id, id));
  }

  /** The earliest successful trials with this cache key, other than `exceptId`: one of them may lend its artifact. */
  async findCached(cacheKey: string, exceptId: string, limit = 5): Promise<TrialRow[]> {
    return await this.db
      .select()
      .from(trials)
      .where(and(eq(trials.cacheKey, cacheKey), eq(trials.status, 'succeeded'), isNotNull(trials.artifactSha256), ne(trials.id, exceptId)))
      .orderBy(asc(trials.createdAt))
      .limit(limit);
  }

  /** The learning curves of a run's trials by index (the ones that have one). */
  async curves(runId: string, indices: readonly number[]): Promise<number[][]> {
    if (indices.length === 0) return [];
    const rows = await this.db
      .select({ index: trials.index, curve: trials.learningCurve })
      .from(trials)
      .where(and(eq(trials.runId, runId), inArray(trials.index, [...indices]), isNotNull(trials.learningCurve)))
      .orderBy(asc(trials.index));
    return rows.map((r) => r.curve!);
  }

  /**
   * Warm start: the finished full-data trials of a model's earlier runs on a dataset name, with the trainers given,
   * newest runs first (at most `limit` rows); the caller ranks them.
   */
  async ofEarlierRuns(input: { modelName: string; datasetName: string; exceptRunId: string; trainers: readonly string[]; limit: number }): Promise<(TrialRow & { runCreatedAt: Date })[]> {
    if (input.trainers.length === 0) return [];
    const rows = await this.db
      .select({ trial: trials, runCreatedAt: pipelineRuns.createdAt })
      .from(trials)
      .innerJoin(pipelineRuns, eq(pipelineRuns.id, trials.runId))
      .where(
        and(
          eq(pipelineRuns.modelName, input.modelName),
          sql`${pipelineRuns.spec} -> 'dataset' ->> 'name' = ${input.datasetName}`,
          ne(pipelineRuns.id, input.exceptRunId),
          eq(trials.status, 'succeeded'),
          eq(trials.sampleFraction, 1),
          isNull(trials.prunedAtRound),
          inArray(trials.trainer, [...input.trainers]),
        ),
      )
      .orderBy(desc(pipelineRuns.createdAt), asc(trials.index))
      .limit(input.limit);
    return rows.map((r) => ({ ...r.trial, runCreatedAt: r.runCreatedAt }));
  }

  async getMany(ids: readonly string[]): Promise<TrialRow[]> {
    if (ids.length === 0) return [];
    return await this.db.select().from(trials).where(inArray(trials.id, [...ids]));
  }

  async get(id: string): Promise<TrialRow | null> {
    const [row] = await this.db.select().from(trials).where(eq(trials.id, id));
    return row ?? null;
  }

  async ofRuns(runIds: readonly string[]): Promise<TrialRow[]> {
    if (runIds.length === 0) return [];
    return await this.db.select().from(trials).where(inArray(trials.runId, [...runIds])).orderBy(asc(trials.index));
  }

}
