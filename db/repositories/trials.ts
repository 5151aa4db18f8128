import { and, asc, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { trials, type TrialRow } from '../schema/index.js';

/** Trials of the hyperparameter search: experiment tracking, and the cache of trained artifacts. */
export class TrialsRepository {
  constructor(private readonly db: Db) {}

  /** Marks trial `index` of a run as running (creating its row once), raising its attempt count. */
  async start(input: { runId: string; index: number; trainer: string; params: Record<string, unknown>; cacheKey: string; codeVersion: string; attempt: number; sampleFraction?: number; environment?: TrialRow['environment'] }): Promise<TrialRow> {
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

  async succeed(id: string, result: { metrics: Record<string, number>; artifactSha256: string; reusedFromTrialId?: string | null; featureDecisions?: TrialRow['featureDecisions']; privacy?: TrialRow['privacy'] }): Promise<void> {
    await this.db
      .update(trials)
      .set({ status: 'succeeded', metrics: result.metrics, artifactSha256: result.artifactSha256, reusedFromTrialId: result.reusedFromTrialId ?? null, featureDecisions: result.featureDecisions ?? null, privacy: result.privacy ?? null, error: null, finishedAt: new Date() })
      .where(eq(trials.id, id));
  }

  async fail(id: string, status: 'failed' | 'cancelled', error: string): Promise<void> {
    await this.db.update(trials).set({ status, error, finishedAt: new Date() }).where(eq(trials.id, id));
  }

  /** The earliest successful trial with this cache key, other than `exceptId`: its artifact can be reused. */
  async findCached(cacheKey: string, exceptId: string): Promise<TrialRow | null> {
    const [row] = await this.db
      .select()
      .from(trials)
      .where(and(eq(trials.cacheKey, cacheKey), eq(trials.status, 'succeeded'), isNotNull(trials.artifactSha256), ne(trials.id, exceptId)))
      .orderBy(asc(trials.createdAt))
      .limit(1);
    return row ?? null;
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
