import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import { scheduleIdOf, type MonitorInput, type ScheduleKind } from '../../domain/monitoring/messages.js';
import { scoringRequestErrors, scoringRequestOf, type ScoringInput, type ScoringRequest } from '../../domain/scoring.js';
import { resolveScoring, ScoringRefused } from '../../ml/scoring/resolve.js';
import { durationMs } from '../../domain/pipeline/spec.js';
import { CUSTODY_MODEL } from '../../domain/search-attributes.js';
import type { Caller } from '../access/principal.js';
import { auditRequest } from '../common/audit.js';
import { modelNameField } from '../common/validate.js';
import { CONFIG, REPOSITORIES, TEMPORAL_CLIENT } from '../core/tokens.js';
import { temporalUiLink } from '../common/temporal-ui.js';
import { ScheduleAction, type CreateScheduleInput, type ScheduleIdInput, type ScheduleScoringInput, type SchedulesInput } from './dto/monitoring.input.js';
import type { Schedule } from './models/schedule.model.js';
import { MonitoringError } from './monitoring.error.js';

const DURATION = /^(\d+)(s|m|h|d)$/;
const SCHEDULE_ID = /^(monitor|retrain|score)-([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/;
const KINDS = ['monitor', 'retrain', 'score'] as const satisfies readonly ScheduleKind[];
const MIN_INTERVAL_MS = 10_000;
const MIN_CATCHUP_MS = 10_000;
const MAX_NOTE = 500;
const INVALID_ARGUMENT = 3;

/** What the schedule's memo keeps: the spec as it was asked for (Temporal stores crons as calendars). */
interface ScheduleMemo {
  model: string;
  action: ScheduleKind;
  /** What each tick of a scoring schedule scores. */
  score?: ScoringRequest | null;
  cron?: string | null;
  interval?: string | null;
  timeZone: string;
  catchupWindow: string;
  createdBy: string;
}

/**
 * Temporal Schedules of models, through GraphQL: create (cron or interval, in a time zone), pause, resume,
 * trigger now, delete. Temporal is the only record of a schedule; every call reads it back from there,
 * so schedules changed from the Temporal CLI or UI show as they are.
 */
@Injectable()
export class SchedulesService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  async create(input: CreateScheduleInput, caller: Caller): Promise<Schedule> {
    const model = modelNameField(input.model);
    const action = input.action ?? ScheduleAction.MONITOR;
    const hasCron = input.cron !== undefined && input.cron !== null;
    const hasInterval = input.interval !== undefined && input.interval !== null;
    if (hasCron === hasInterval) throw MonitoringError.invalid('input', 'give exactly one of cron or interval');
    if (hasCron && (input.cron!.trim() === '' || input.cron!.length > 200)) throw MonitoringError.invalid('input.cron', 'must be a cron expression such as "0 * * * *"');
    if (hasInterval) {
      if (!DURATION.test(input.interval!)) throw MonitoringError.invalid('input.interval', 'must be a duration such as 30s, 15m, 1h or 7d');
      if (durationMs(input.interval!) < MIN_INTERVAL_MS) throw MonitoringError.invalid('input.interval', 'must be at least 10s');
    }
    const timeZone = canonicalTimeZone(input.timeZone ?? 'UTC');
    if (!timeZone) throw MonitoringError.invalid('input.timeZone', `must be an IANA time zone such as UTC or Europe/Berlin (got ${JSON.stringify(input.timeZone)})`);
    const catchupWindow = input.catchupWindow ?? '1h';
    if (!DURATION.test(catchupWindow)) throw MonitoringError.invalid('input.catchupWindow', 'must be a duration such as 10m, 1h or 1d');
    if (durationMs(catchupWindow) < MIN_CATCHUP_MS) throw MonitoringError.invalid('input.catchupWindow', 'must be at least 10s (Temporal’s minimum)');
    const note = this.note(input.note, 'input.note');
    if (!(await this.repos.registry.findModel(model))) {
      throw new MonitoringError('MODEL_NOT_FOUND', `Model ${model} is not registered; a schedule needs a model that a pipeline has registered`);
    }
    const score = await this.scoringOf(model, action, input.score);

    const id = scheduleIdOf(action, model);
    const memo: ScheduleMemo = { model, action, score, cron: hasCron ? input.cron!.trim() : null, interval: hasInterval ? input.interval! : null, timeZone, catchupWindow, createdBy: caller.name };
    try {
      await this.temporal.schedule.create({
        scheduleId: id,
        spec: { ...(hasCron ? { cronExpressions: [memo.cron!] } : { intervals: [{ every: durationMs(memo.interval!) }] }), timezone: timeZone },
        action: {
          type: 'startWorkflow',
          ...this.tickOf(id, memo),
          taskQueue: this.config.temporal.taskQueue,
          // Temporal appends the tick's time to this id, so every tick is its own workflow.
          workflowId: id,
          typedSearchAttributes: [{ key: CUSTODY_MODEL, value: model }],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: durationMs(catchupWindow) },
        state: { paused: input.paused ?? false, note: note ?? `created by ${caller.name}` },
        memo: memo as unknown as Record<string, unknown>,
        typedSearchAttributes: [{ key: CUSTODY_MODEL, value: model }],
      });
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning) {
        throw new MonitoringError('SCHEDULE_EXISTS', `Schedule ${id} exists already; delete it first to change it`);
      }
      const message = (error as Error).message ?? String(error);
      // A cron Temporal cannot read comes back as a TypeError naming the fault; other refusals as INVALID_ARGUMENT.
      if (hasCron && error instanceof TypeError) throw MonitoringError.invalid('input.cron', `is not a cron expression Temporal accepts: ${message}`);
      if (grpcCode(error) === INVALID_ARGUMENT) throw MonitoringError.invalid('input', `is not a schedule Temporal accepts: ${message}`);
      throw new MonitoringError('TEMPORAL_UNAVAILABLE', `The schedule could not be created: ${message}`);
    }
    try {
      await this.audit(caller, 'schedule.created', id, { model, action, score, cron: memo.cron, interval: memo.interval, timeZone, catchupWindow, paused: input.paused ?? false });
    } catch (error) {
      // No schedule without its audit event: take it back, so a retry starts clean.
      await this.temporal.schedule.getHandle(id).delete().catch(() => undefined);
      throw error;
    }
    return await this.get(id);
  }

  /** The workflow a tick starts, with its input and its summary in the Temporal UI. */
  private tickOf(id: string, memo: ScheduleMemo) {
    if (memo.action === 'score') {
      const input: ScoringInput = { request: memo.score!, requestedBy: memo.createdBy, scheduleId: id };
      return { workflowType: 'batchScore', args: [input], staticSummary: `score ${memo.score!.dataset} with ${memo.model}` };
    }
    const input: MonitorInput = { model: memo.model, action: memo.action, scheduleId: id };
    return { workflowType: 'monitorModel', args: [input], staticSummary: memo.action === 'monitor' ? `check ${memo.model} for drift` : `retrain ${memo.model}` };
  }

  /**
   * What each tick of a scoring schedule scores, checked now as a job would be (the dataset exists and holds the
   * features of the version in production), so a mistake is a field error today rather than a failed tick tonight.
   */
  private async scoringOf(model: string, action: ScheduleKind, score: ScheduleScoringInput | null | undefined): Promise<ScoringRequest | null> {
    if (action !== 'score') {
      if (score) throw MonitoringError.invalid('input.score', 'is only for action SCORE');
      return null;
    }
    if (!score) throw MonitoringError.invalid('input.score', 'is required with action SCORE: name the dataset each tick scores');
    const request = scoringRequestOf({ ...score, model });
    const [issue] = scoringRequestErrors(request);
    if (issue) throw MonitoringError.invalid(`input.score.${issue.field}`, issue.message);
    try {
      await resolveScoring(this.repos, randomUUID(), request);
    } catch (error) {
      if (!(error instanceof ScoringRefused)) throw error;
      throw MonitoringError.invalid(error.field === 'version' ? 'input.model' : `input.score.${error.field}`, error.reason);
    }
    return request;
  }

  async pause(input: ScheduleIdInput, caller: Caller): Promise<Schedule> {
    return await this.setPaused(input, caller, true);
  }

  async resume(input: ScheduleIdInput, caller: Caller): Promise<Schedule> {
    return await this.setPaused(input, caller, false);
  }

  private async setPaused(input: ScheduleIdInput, caller: Caller, paused: boolean): Promise<Schedule> {
    const id = this.scheduleId(input.id);
    const note = this.note(input.note, 'input.note') ?? `${paused ? 'paused' : 'resumed'} by ${caller.name}`;
    await this.call(id, (handle) => (paused ? handle.pause(note) : handle.unpause(note)));
    await this.audit(caller, paused ? 'schedule.paused' : 'schedule.resumed', id, { note });
    return await this.get(id);
  }

  /** Takes one tick now, whatever the spec; skipped if a tick still runs (overlap policy SKIP). */
  async trigger(input: ScheduleIdInput, caller: Caller): Promise<Schedule> {
    const id = this.scheduleId(input.id);
    await this.call(id, (handle) => handle.trigger(ScheduleOverlapPolicy.SKIP));
    await this.audit(caller, 'schedule.triggered', id, {});
    return await this.get(id);
  }

  async delete(input: ScheduleIdInput, caller: Caller): Promise<Schedule> {
    const id = this.scheduleId(input.id);
    const before = await this.get(id);
    await this.call(id, (handle) => handle.delete());
    await this.audit(caller, 'schedule.deleted', id, { model: before.model });
    return before;
  }

  /** The schedules of one model, or of every registered model. */
  async list(input: SchedulesInput = {}): Promise<Schedule[]> {
    const names = input.model !== undefined && input.model !== null ? [modelNameField(input.model)] : (await this.repos.registry.listModels()).map((m) => m.name);
    const found = await Promise.all(
      names.flatMap((model) => KINDS.map((action) => this.find(scheduleIdOf(action, model)))),
    );
    return found.filter((s): s is Schedule => s !== null);
  }

  async get(id: string): Promise<Schedule> {
    const schedule = await this.find(id);
    if (!schedule) throw new MonitoringError('SCHEDULE_NOT_FOUND', `No schedule has id ${id}`);
    return schedule;
  }

  private async find(id: string): Promise<Schedule | null> {
    try {
      return this.toModel(id, await this.temporal.schedule.getHandle(id).describe());
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return null;
      throw new MonitoringError('TEMPORAL_UNAVAILABLE', `Schedule ${id} could not be read from Temporal: ${(error as Error).message}`);
    }
  }

  private async call(id: string, operation: (handle: ReturnType<Client['schedule']['getHandle']>) => Promise<void>): Promise<void> {
    try {
      await operation(this.temporal.schedule.getHandle(id));
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new MonitoringError('SCHEDULE_NOT_FOUND', `No schedule has id ${id}`);
      throw new MonitoringError('TEMPORAL_UNAVAILABLE', `Temporal did not accept the change to schedule ${id}: ${(error as Error).message}`);
    }
  }

  private toModel(id: string, d: ScheduleDescription): Schedule {
    const memo = (d.memo ?? {}) as Partial<ScheduleMemo>;
    const [, action, model] = SCHEDULE_ID.exec(id) ?? [];
    return {
      id,
      model: memo.model ?? model!,
      action: ACTION_OF[(memo.action ?? action) as ScheduleKind] ?? ScheduleAction.MONITOR,
      score: memo.score ?? null,
      cron: memo.cron ?? null,
      interval: memo.interval ?? null,
      timeZone: d.spec.timezone ?? memo.timeZone ?? 'UTC',
      catchupWindow: memo.catchupWindow ?? `${Math.round(d.policies.catchupWindow / 1000)}s`,
      overlap: d.policies.overlap ?? 'SKIP',
      paused: d.state.paused,
      note: d.state.note ?? null,
      nextRuns: d.info.nextActionTimes,
      recentRuns: d.info.recentActions.map((a) => ({ workflowId: a.action.workflow.workflowId, scheduledAt: a.scheduledAt, takenAt: a.takenAt })),
      actionsTaken: d.info.numActionsTaken,
      actionsSkipped: d.info.numActionsSkippedOverlap,
      actionsMissed: d.info.numActionsMissedCatchupWindow,
      createdBy: memo.createdBy ?? null,
      createdAt: d.info.createdAt,
      temporalUiUrl: temporalUiLink(this.config.temporal, 'schedules', id),
    };
  }

  private scheduleId(id: string): string {
    if (typeof id !== 'string' || !SCHEDULE_ID.test(id)) throw MonitoringError.invalid('input.id', 'must be a schedule id: monitor-<model>, retrain-<model> or score-<model>');
    return id;
  }

  private note(note: string | null | undefined, path: string): string | undefined {
    if (note === undefined || note === null) return undefined;
    if (note.length > MAX_NOTE) throw MonitoringError.invalid(path, `must be at most ${MAX_NOTE} characters`);
    return note;
  }

  private async audit(caller: Caller, action: string, scheduleId: string, payload: Record<string, unknown>): Promise<void> {
    await auditRequest(this.repos, caller, { action, subjectType: 'schedule', subjectId: scheduleId, payload });
  }
}

const ACTION_OF: Record<ScheduleKind, ScheduleAction> = { monitor: ScheduleAction.MONITOR, retrain: ScheduleAction.RETRAIN, score: ScheduleAction.SCORE };

/** The gRPC status code of a Temporal call's failure, if it carries one. */
function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code ?? ((error as { cause?: { code?: unknown } })?.cause)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The canonical IANA name of a time zone (`europe/berlin` → `Europe/Berlin`), or null when there is none. */
function canonicalTimeZone(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 100) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
