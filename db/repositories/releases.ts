import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client.js';
import { releaseLooks, releases, type NewReleaseRow, type ReleaseLookRow, type ReleaseRow } from '../schema/index.js';
import type { AbTestMetric } from '../../domain/pipeline/spec.js';
import type { AbLook, ReleaseStatus } from '../../domain/release/report.js';

/** An arm's labelled predictions as sufficient statistics of a per-prediction score. */
export interface ArmMoments {
  predictions: number;
  labelled: number;
  sum: number;
  sumOfSquares: number;
}

/** A shadow prediction with the primary's answer to the same request and that answer's label. */
export interface ShadowPair {
  predictionId: string;
  inputs: Record<string, unknown>;
  primary: { value: string | number; probabilities?: Record<string, number> };
  shadow: { value: string | number; probabilities?: Record<string, number> };
  primaryLatencyMs: number;
  shadowLatencyMs: number;
  label: string | number | null;
}

/** Which predictions an A/B arm counts: its version in its role, served in [since, until] and labelled by `until`. */
export interface ArmWindow {
  modelVersionId: string;
  role: 'primary' | 'canary';
  since: Date;
  until: Date;
}

/**
 * The per-prediction score each A/B metric averages, as SQL over a prediction row: the label matches (accuracy),
 * the negative log of the label's probability (log loss), the absolute or squared error (mae, mse). A label of the
 * wrong type for the score counts as unlabelled.
 */
const SCORE: Record<Exclude<AbTestMetric, 'rocAuc'>, ReturnType<typeof sql.raw>> = {
  accuracy: sql.raw(`case when (output->>'value') = (label #>> '{}') then 1.0 else 0.0 end`),
  logLoss: sql.raw(`-ln(greatest(least(coalesce((output->'probabilities'->>(label #>> '{}'))::float8, 0), 1), 1e-15))`),
  mae: sql.raw(`case when jsonb_typeof(label) = 'number' then abs((output->>'value')::float8 - (label #>> '{}')::float8) end`),
  mse: sql.raw(`case when jsonb_typeof(label) = 'number' then power((output->>'value')::float8 - (label #>> '{}')::float8, 2) end`),
};

/** Releases (shadows and A/B tests) and their looks. Written by the release activities alone. */
export class ReleasesRepository {
  constructor(private readonly db: Db) {}

  /** Records a release as it begins; a retried start (same key) returns the release first made. */
  async start(row: NewReleaseRow): Promise<ReleaseRow> {
    const [inserted] = await this.db.insert(releases).values(row).onConflictDoNothing({ target: releases.idempotencyKey }).returning();
    if (inserted) return inserted;
    const [existing] = await this.db.select().from(releases).where(eq(releases.idempotencyKey, row.idempotencyKey));
    return existing!;
  }

  async setDeployment(id: string, deploymentId: string): Promise<void> {
    await this.db.update(releases).set({ deploymentId }).where(eq(releases.id, id));
  }

  async setReport(id: string, report: NonNullable<ReleaseRow['report']>): Promise<void> {
    await this.db.update(releases).set({ report }).where(eq(releases.id, id));
  }

  /** Ends a release once: a later call (a retry) leaves the first outcome. Returns whether this call ended it. */
  async finish(id: string, status: ReleaseStatus, outcome: string, at: Date): Promise<boolean> {
    const ended = await this.db.update(releases).set({ status, outcome, endedAt: at }).where(and(eq(releases.id, id), isNull(releases.endedAt))).returning({ id: releases.id });
    return ended.length > 0;
  }

  /** Records a look once; a retried look returns the figures first recorded, so a decision never changes on retry. */
  async look(releaseId: string, figures: AbLook): Promise<AbLook> {
    const [inserted] = await this.db
      .insert(releaseLooks)
      .values({ releaseId, look: figures.look, at: new Date(figures.at), figures })
      .onConflictDoNothing({ target: [releaseLooks.releaseId, releaseLooks.look] })
      .returning();
    if (inserted) return inserted.figures;
    const [existing] = await this.db.select().from(releaseLooks).where(and(eq(releaseLooks.releaseId, releaseId), eq(releaseLooks.look, figures.look)));
    return existing!.figures;
  }

  async get(id: string): Promise<ReleaseRow | null> {
    const [row] = await this.db.select().from(releases).where(eq(releases.id, id));
    return row ?? null;
  }

  async ofRuns(runIds: readonly string[]): Promise<ReleaseRow[]> {
    if (runIds.length === 0) return [];
    return await this.db.select().from(releases).where(inArray(releases.runId, [...runIds])).orderBy(asc(releases.startedAt));
  }

  async ofDeployments(deploymentIds: readonly string[]): Promise<ReleaseRow[]> {
    if (deploymentIds.length === 0) return [];
    return await this.db.select().from(releases).where(inArray(releases.deploymentId, [...deploymentIds]));
  }

  async ofModel(modelId: string, limit: number): Promise<ReleaseRow[]> {
    return await this.db.select().from(releases).where(eq(releases.modelId, modelId)).orderBy(desc(releases.startedAt)).limit(limit);
  }

  async looksOf(releaseIds: readonly string[]): Promise<ReleaseLookRow[]> {
    if (releaseIds.length === 0) return [];
    return await this.db.select().from(releaseLooks).where(inArray(releaseLooks.releaseId, [...releaseIds])).orderBy(asc(releaseLooks.releaseId), asc(releaseLooks.look));
  }

  /** An arm's predictions and the moments of its labelled scores under `metric` (any but rocAuc). */
  async armMoments(arm: ArmWindow, metric: Exclude<AbTestMetric, 'rocAuc'>): Promise<ArmMoments> {
    const score = SCORE[metric];
    const rows = await this.db.execute(sql`
      select count(*) as predictions, count(s.x) as labelled, sum(s.x) as sum, sum(s.x * s.x) as sum_sq
      from (select case when labeled_at is not null and labeled_at <= ${arm.until.toISOString()}::timestamptz then ${score} end as x
            from predictions
            where model_version_id = ${arm.modelVersionId} and role = ${arm.role}
              and created_at >= ${arm.since.toISOString()}::timestamptz and created_at <= ${arm.until.toISOString()}::timestamptz) s`);
    const row = rowsOf<{ predictions: string; labelled: string; sum: number | null; sum_sq: number | null }>(rows)[0]!;
    return { predictions: Number(row.predictions), labelled: Number(row.labelled), sum: Number(row.sum ?? 0), sumOfSquares: Number(row.sum_sq ?? 0) };
  }

  /** An arm's labelled predictions as (score of `positive`, label is `positive`) pairs, for a ROC AUC; and how many it served. */
  async armScores(arm: ArmWindow, positive: string): Promise<{ predictions: number; scores: number[]; positives: boolean[] }> {
    const rows = rowsOf<{ score: number | null; positive: boolean | null }>(
      await this.db.execute(sql`
        select case when labeled_at is not null and labeled_at <= ${arm.until.toISOString()}::timestamptz
                    then coalesce((output->'probabilities'->>${positive})::float8, 0) end as score,
               (label #>> '{}') = ${positive} as positive
        from predictions
        where model_version_id = ${arm.modelVersionId} and role = ${arm.role}
          and created_at >= ${arm.since.toISOString()}::timestamptz and created_at <= ${arm.until.toISOString()}::timestamptz`),
    );
    const labelled = rows.filter((r) => r.score !== null);
    return { predictions: rows.length, scores: labelled.map((r) => Number(r.score)), positives: labelled.map((r) => r.positive === true) };
  }

  /** The classes an arm's predictions give probabilities for (from one labelled row), for a ROC AUC's positive class. */
  async armClasses(arm: ArmWindow): Promise<string[]> {
    const rows = rowsOf<{ keys: string[] | null }>(
      await this.db.execute(sql`
        select array(select jsonb_object_keys(output->'probabilities')) as keys from predictions
        where model_version_id = ${arm.modelVersionId} and role = ${arm.role} and created_at >= ${arm.since.toISOString()}::timestamptz
          and jsonb_typeof(output->'probabilities') = 'object' limit 1`),
    );
    return rows[0]?.keys ?? [];
  }

  /** How many shadow predictions of a version, logged in [since, until], were paired with their primary's. */
  async shadowPairCount(shadowVersionId: string, since: Date, until: Date): Promise<number> {
    const rows = rowsOf<{ n: string }>(
      await this.db.execute(sql`
        select count(*) as n from predictions s join predictions p on p.id = s.shadow_of
        where s.model_version_id = ${shadowVersionId} and s.role = 'shadow'
          and s.created_at >= ${since.toISOString()}::timestamptz and s.created_at <= ${until.toISOString()}::timestamptz`),
    );
    return Number(rows[0]!.n);
  }

  /** The newest `limit` shadow predictions of a version logged in [since, until], each with its primary's answer and label. */
  async shadowPairs(shadowVersionId: string, since: Date, until: Date, limit: number): Promise<ShadowPair[]> {
    const rows = rowsOf<{ id: string; inputs: Record<string, unknown>; p_output: ShadowPair['primary']; s_output: ShadowPair['shadow']; p_latency: number; s_latency: number; label: string | number | null; labeled_at: unknown }>(
      await this.db.execute(sql`
        select p.id, p.inputs, p.output as p_output, s.output as s_output, p.latency_ms as p_latency, s.latency_ms as s_latency,
               case when p.labeled_at <= ${until.toISOString()}::timestamptz then p.label end as label
        from predictions s join predictions p on p.id = s.shadow_of
        where s.model_version_id = ${shadowVersionId} and s.role = 'shadow'
          and s.created_at >= ${since.toISOString()}::timestamptz and s.created_at <= ${until.toISOString()}::timestamptz
        order by s.created_at desc, s.id limit ${limit}`),
    );
    return rows.map((r) => ({ predictionId: r.id, inputs: r.inputs, primary: r.p_output, shadow: r.s_output, primaryLatencyMs: Number(r.p_latency), shadowLatencyMs: Number(r.s_latency), label: r.label }));
  }
}
