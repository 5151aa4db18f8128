import { createHash } from 'node:crypto';
import { and, asc, desc, eq, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import type { ProjectionFence } from '../../domain/runs.js';
import {
  pipelineRuns,
  runSteps,
  type FailureDetail,
  type NewPipelineRunRow,
  type PipelineRunRow,
  type RunStatus,
  type RunStepRow,
  type StepStatus,
} from '../schema/index.js';

export interface RunFilter {
  status?: RunStatus;
  pipelineName?: string;
  modelName?: string;
  submittedBy?: string;
}

export interface RunCursor {
  createdAt: Date;
  id: string;
}

/** The run's last applied write is not after `fence`; a run written before fences existed counts as at the start. */
function notAfter(fence: ProjectionFence): SQL {
  return sql`(coalesce(${pipelineRuns.projectionEpoch}, 0), coalesce(${pipelineRuns.projectionSeq}, 0)) <= (${fence.epoch}::bigint, ${fence.seq}::integer)`;
}

/** Pipeline runs and their steps: the projection of the pipeline workflows. Every write is idempotent. */
/** A spec's fingerprint: the sha256 of its canonical JSON, as a run records it. */
export function specHashOf(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

export class RunsRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the run, or leaves an existing row with the same id as it is. The spec's hash is taken here, once. */
  async create(run: Omit<NewPipelineRunRow, 'specHash'>): Promise<PipelineRunRow> {
    await this.db.insert(pipelineRuns).values({ ...run, specHash: specHashOf(run.spec) }).onConflictDoNothing({ target: pipelineRuns.id });
    return (await this.get(run.id))!;
  }

  async get(id: string): Promise<PipelineRunRow | null> {
    const [row] = await this.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, id));
    return row ?? null;
  }

  async getMany(ids: readonly string[]): Promise<PipelineRunRow[]> {
    if (ids.length === 0) return [];
    return await this.db.select().from(pipelineRuns).where(inArray(pipelineRuns.id, [...ids]));
  }

  /** The runs each drift report started (retrainings), oldest first. */
  async ofDriftReports(reportIds: readonly string[]): Promise<PipelineRunRow[]> {
    if (reportIds.length === 0) return [];
    return await this.db.select().from(pipelineRuns).where(inArray(pipelineRuns.driftReportId, [...reportIds])).orderBy(asc(pipelineRuns.createdAt));
  }

  /** Changes the run; with a fence, only if no later write of its workflow was applied. False when it was not applied. */
  async update(
    id: string,
    patch: Partial<Pick<PipelineRunRow, 'status' | 'currentStep' | 'error' | 'datasetVersionId' | 'finishedAt'>>,
    fence?: ProjectionFence,
  ): Promise<boolean> {
    const written = await this.db
      .update(pipelineRuns)
      .set({ ...patch, ...(fence ? { projectionEpoch: fence.epoch, projectionSeq: fence.seq } : {}) })
      .where(and(eq(pipelineRuns.id, id), fence ? notAfter(fence) : undefined))
      .returning({ id: pipelineRuns.id });
    return written.length > 0;
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(filter: RunFilter, limit: number, after?: RunCursor): Promise<PipelineRunRow[]> {
    const conditions: (SQL | undefined)[] = [
      filter.status ? eq(pipelineRuns.status, filter.status) : undefined,
      filter.pipelineName ? eq(pipelineRuns.pipelineName, filter.pipelineName) : undefined,
      filter.modelName ? eq(pipelineRuns.modelName, filter.modelName) : undefined,
      filter.submittedBy ? eq(pipelineRuns.submittedBy, filter.submittedBy) : undefined,
      after
        ? or(lt(pipelineRuns.createdAt, after.createdAt), and(eq(pipelineRuns.createdAt, after.createdAt), lt(pipelineRuns.id, after.id)))
        : undefined,
    ];
    return await this.db
      .select()
      .from(pipelineRuns)
      .where(and(...conditions))
      .orderBy(desc(pipelineRuns.createdAt), desc(pipelineRuns.id))
      .limit(limit);
  }

  /**
   * Records a step's state, keyed by (run, step name). `attempt` only ever raises the count, so a
   * retried or replayed write never lowers it; `startedAt` keeps the first start. A step that
   * starts becomes the run's current step in the same transaction, so no reader sees one without the other.
   */
  async upsertStep(input: {
    runId: string;
    name: string;
    position: number;
    status: StepStatus;
    attempt?: number;
    output?: Record<string, unknown> | null;
    error?: FailureDetail | null;
    at: Date;
    fence?: ProjectionFence;
  }): Promise<void> {
    if (input.fence) return await this.upsertFencedStep({ ...input, fence: input.fence });
    const finished = input.status !== 'running';
    await this.db.transaction(async (tx) => {
      const written = await tx
        .insert(runSteps)
        .values({
          runId: input.runId,
          name: input.name,
          position: input.position,
          status: input.status,
          attempts: input.attempt ?? (finished ? 0 : 1),
          startedAt: input.at,
          finishedAt: finished ? input.at : null,
          output: input.output ?? null,
          error: input.error ?? null,
        })
        .onConflictDoUpdate({
          target: [runSteps.runId, runSteps.name],
          set: {
            status: input.status,
            attempts: input.attempt === undefined ? runSteps.attempts : sql`greatest(${runSteps.attempts}, ${input.attempt})`,
            startedAt: finished ? sql`coalesce(${runSteps.startedAt}, ${input.at.toISOString()}::timestamptz)` : input.at,
            finishedAt: finished ? input.at : null,
            output: input.output === undefined ? runSteps.output : (input.output as never),
            error: input.error === undefined ? (finished ? runSteps.error : null) : (input.error as never),
          },
          // A late retry of a step's start never undoes a success that came after it (a resumed run's new start does).
          ...(finished ? {} : { setWhere: or(ne(runSteps.status, 'succeeded'), lt(runSteps.finishedAt, input.at)) }),
        })
        .returning({ name: runSteps.name });
      if (!finished && written.length > 0) await tx.update(pipelineRuns).set({ currentStep: input.name }).where(eq(pipelineRuns.id, input.runId));
    });
  }

  /**
   * A fenced step write, in one statement: the write claims its place on the run's row (moving the fence, and the
   * current step when the step starts), and the step is written only if the claim held; a late write changes nothing.
   */
  private async upsertFencedStep(input: Parameters<RunsRepository['upsertStep']>[0] & { fence: ProjectionFence }): Promise<void> {
    const { fence, at } = input;
    const finished = input.status !== 'running';
    const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
    const stamp = at.toISOString();
    await this.db.execute(sql`
      with claimed as (
        update pipeline_runs set projection_epoch = ${fence.epoch}::bigint, projection_seq = ${fence.seq}::integer, updated_at = now()
          ${finished ? sql`` : sql`, current_step = ${input.name}`}
        where id = ${input.runId}::uuid and ${notAfter(fence)}
        returning id
      )
      insert into run_steps (run_id, name, position, status, attempts, started_at, finished_at, output, error)
      select id, ${input.name}, ${input.position}::integer, ${input.status}, ${input.attempt ?? (finished ? 0 : 1)}::integer, ${stamp}::timestamptz,
        ${finished ? stamp : null}::timestamptz, ${json(input.output)}::jsonb, ${json(input.error)}::jsonb
      from claimed
      on conflict (run_id, name) do update set
        status = excluded.status,
        attempts = ${input.attempt === undefined ? sql`run_steps.attempts` : sql`greatest(run_steps.attempts, excluded.attempts)`},
        started_at = ${finished ? sql`coalesce(run_steps.started_at, excluded.started_at)` : sql`excluded.started_at`},
        finished_at = excluded.finished_at,
        output = ${input.output === undefined ? sql`run_steps.output` : sql`excluded.output`},
        error = ${input.error === undefined ? (finished ? sql`run_steps.error` : sql`null`) : sql`excluded.error`},
        updated_at = now()`);
  }

  async stepsOf(runIds: readonly string[]): Promise<RunStepRow[]> {
    if (runIds.length === 0) return [];
    return await this.db.select().from(runSteps).where(inArray(runSteps.runId, [...runIds])).orderBy(asc(runSteps.position), asc(runSteps.startedAt));
  }

  /** How many runs are in each status (for /metrics). */
  async countByStatus(): Promise<{ status: string; count: number }[]> {
    return await this.db.select({ status: pipelineRuns.status, count: sql<number>`count(*)::int` }).from(pipelineRuns).groupBy(pipelineRuns.status);
  }

  /** Runs waiting at a gate, and since when the longest-waiting one last changed (for /metrics). */
  async awaitingApproval(): Promise<{ count: number; oldest: Date | null }> {
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${pipelineRuns.updatedAt})` })
      .from(pipelineRuns)
      .where(eq(pipelineRuns.status, 'awaiting_approval'));
    return { count: row?.count ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
  }
}
