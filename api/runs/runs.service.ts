import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { startRecordedRun } from '../../clients/pipelines.js';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import { specHashOf } from '../../db/repositories/runs.js';
import type { PipelineRunRow, RunPurpose } from '../../db/schema/index.js';
import { recordedGateStates, type GateDecisionRecord, type GateState } from '../../domain/pipeline/gates.js';
import { budgetRefusal } from '../../domain/data/privacy-budget.js';
import { decideUpdate, gatesQuery } from '../../domain/pipeline/messages.js';
import { runOrigin } from '../../domain/runs.js';
import { modelNameOf, parsePipelineSpec, type PipelineSpec } from '../../domain/pipeline/spec.js';
import { pipelineStart, type PipelineStart, type RunToStart } from '../../domain/pipeline/start.js';
import { auditRequest } from '../common/audit.js';
import { decodeCursor, pageOf, pageSize } from '../common/pagination.js';
import { temporalUiLink } from '../common/temporal-ui.js';
import { isUuid } from '../common/validate.js';
import { CONFIG, REPOSITORIES, TEMPORAL_CLIENT } from '../core/tokens.js';
import type { CancelRunInput, PipelineRunsInput, RunIdInput } from './dto/pipeline-runs.input.js';
import type { GateDecisionInput } from './dto/gate-decision.input.js';
import type { SubmitPipelineInput } from './dto/submit-pipeline.input.js';
import type { Caller } from '../access/principal.js';
import { RunStatus, type Gate, type PipelineRun, type PipelineRunConnection } from './models/pipeline-run.model.js';
import { RunError } from './runs.error.js';

const MAX_SPEC_BYTES = 256 * 1024;
const ACTIVE: ReadonlySet<string> = new Set([RunStatus.running, RunStatus.awaiting_approval]);
const RESUMABLE: ReadonlySet<string> = new Set([RunStatus.failed, RunStatus.cancelled]);
/** How long a submission or a resume waits for its workflow to record it before answering without (no worker polls yet). */
const RECORD_WAIT_MS = 10_000;

/** Submits pipelines, relays gate decisions and cancellations to their workflows, and reads runs back. */
@Injectable()
export class RunsService {
  private readonly logger = new Logger('Runs');

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  private async audit(caller: Caller, action: string, runId: string, payload: Record<string, unknown>): Promise<void> {
    await auditRequest(this.repos, caller, { action, subjectType: 'run', subjectId: runId, payload });
  }

  toModel(row: PipelineRunRow): PipelineRun {
    return {
      ...row,
      status: row.status as RunStatus,
      temporalUiUrl: temporalUiLink(this.config.temporal, 'workflows', row.workflowId),
    };
  }

  /** Validates the spec and starts its workflow. */
  async submit(input: SubmitPipelineInput, caller: Caller): Promise<PipelineRun> {
    return await this.start(this.parseSpec(input), caller, {});
  }

  /**
   * Re-runs a run from its lineage: the same spec, pinned to the same dataset version, the same seeds,
   * trained afresh (the trial cache is bypassed), stopping after training. Its `reproduction` field then
   * says whether the new artifact's hash equals the original's.
   */
  async reproduce(input: RunIdInput, caller: Caller): Promise<PipelineRun> {
    const original = await this.get(input.runId);
    const modelVersion = await this.repos.registry.findVersionByRun(original.id);
    if (!modelVersion) throw new RunError('RUN_NOT_REPRODUCIBLE', `Run ${original.id} registered no model version, so there is nothing to reproduce`);
    const [dataset] = await this.repos.datasets.findVersionsByIds([modelVersion.datasetVersionId]);
    const spec = parsePipelineSpec({ ...original.spec, dataset: { name: dataset!.datasetName, version: dataset!.version }, gates: [] });
    if (!spec.ok) throw new RunError('RUN_NOT_REPRODUCIBLE', `Run ${original.id}'s spec no longer validates: ${spec.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
    // A person asked for it: its trigger is manual (runOrigin's default); its purpose says it is a reproduction.
    return await this.start(spec.spec, caller, { purpose: 'reproduce', parentRunId: original.id });
  }

  /**
   * Starts a new run's workflow, which records the run (its first write); the API writes no run of its own.
   * Start and wait are one update-with-start, so the answer comes once the run is recorded and a read right
   * after finds it; if the workflow could not be started, nothing of the run exists anywhere.
   */
  private async start(spec: PipelineSpec, caller: Caller, how: { purpose?: RunPurpose; parentRunId?: string }): Promise<PipelineRun> {
    await this.checkPrivacyBudget(spec);
    const run: RunToStart = { id: randomUUID(), spec, submittedBy: caller.name, ...runOrigin(how), parentRunId: how.parentRunId ?? null, driftReportId: null };
    const start = pipelineStart(run);
    const specHash = specHashOf(spec);
    // The request first, as asked; a start Temporal refuses is recorded after it.
    await this.audit(caller, run.purpose === 'reproduce' ? 'run.reproduce_requested' : 'run.submitted', run.id, {
      pipeline: spec.name,
      model: modelNameOf(spec),
      specHash,
      workflowId: start.workflowId,
      ...(how.parentRunId ? { parentRunId: how.parentRunId } : {}),
    });
    try {
      await this.startRecorded(start, {});
    } catch (error) {
      await this.audit(caller, 'run.start_refused', run.id, { workflowId: start.workflowId, reason: (error as Error).message });
      if (error instanceof RunError) throw error;
      this.logger.error(`could not start workflow ${start.workflowId}: ${(error as Error).message}`);
      throw new RunError('TEMPORAL_UNAVAILABLE', `The run could not be started because Temporal did not accept it: ${(error as Error).message}`);
    }
    const row = await this.repos.runs.get(run.id);
    // The spec as given, not as read back: Postgres jsonb reorders keys, and the order of thresholds and rules is the user's.
    return row ? this.toModel({ ...row, spec }) : this.notYetRecorded(run, start, specHash);
  }

  /**
   * Starts (or, resuming, starts again) a run's workflow with its `recorded` update (clients/pipelines.ts):
   * resolves once the workflow has recorded this execution, or once it has started but no worker has recorded it
   * within RECORD_WAIT_MS. Throws when it did not start, and when it ended before recording anything (a spec the
   * worker refuses): a run nobody can ever read is not acknowledged.
   */
  private async startRecorded(start: PipelineStart, how: { resume?: boolean }): Promise<void> {
    const started = await startRecordedRun(this.temporal, this.config.temporal.taskQueue, start, { ...how, waitMs: RECORD_WAIT_MS });
    if (started.outcome === 'unrecorded') this.logger.warn(`workflow ${start.workflowId} started, but no worker recorded its run within ${RECORD_WAIT_MS} ms: ${started.why}`);
    if (started.outcome !== 'ended' || (await this.repos.runs.get(start.args[0].runId))?.status === 'failed') return;
    throw new RunError('RUN_NOT_STARTED', `The run ended before it could be recorded: ${started.why}`);
  }

  /** What a run that started, but that no worker has recorded yet, is: as its start says. */
  private notYetRecorded(run: RunToStart, start: PipelineStart, specHash: string): PipelineRun {
    const now = new Date();
    return {
      id: run.id,
      workflowId: start.workflowId,
      temporalUiUrl: temporalUiLink(this.config.temporal, 'workflows', start.workflowId),
      pipelineName: run.spec.name,
      modelName: modelNameOf(run.spec),
      status: RunStatus.running,
      submittedBy: run.submittedBy,
      trigger: run.trigger,
      purpose: run.purpose,
      spec: run.spec,
      specHash,
      createdAt: now,
      updatedAt: now,
      parentRunId: run.parentRunId,
      driftReportId: null,
    };
  }

  /**
   * Refuses at once a run its dataset's privacy budget would refuse, with the figures. The workflow's own
   * draw stays authoritative: two runs accepted here together cannot both spend the same remainder.
   */
  private async checkPrivacyBudget(spec: PipelineSpec): Promise<void> {
    const refused = budgetRefusal(spec.dataset.name, await this.repos.privacy.status(spec.dataset.name), spec.training.privacy);
    if (refused) throw new RunError('PRIVACY_BUDGET_REFUSED', `The run was refused: ${refused}`, [{ path: 'spec.training.privacy', message: refused }]);
  }

  private parseSpec(input: SubmitPipelineInput): PipelineSpec {
    if ((input.spec === undefined || input.spec === null) === (input.specText === undefined || input.specText === null)) {
      throw RunError.invalid('input', 'must give exactly one of spec (a JSON object) or specText (YAML or JSON text)');
    }
    let raw: unknown = input.spec;
    if (input.specText !== undefined && input.specText !== null) {
      try {
        raw = parseYaml(input.specText);
      } catch (error) {
        const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
        throw RunError.invalid('input.specText', `is not valid YAML or JSON${where}`);
      }
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw RunError.invalid(input.spec ? 'input.spec' : 'input.specText', 'must be an object');
    // Specs travel in workflow histories: keep them far below Temporal's payload limits.
    if (JSON.stringify(raw).length > MAX_SPEC_BYTES) throw RunError.invalid(input.spec ? 'input.spec' : 'input.specText', `must be at most ${MAX_SPEC_BYTES / 1024} KiB`);
    const parsed = parsePipelineSpec(raw);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => ({ path: `spec.${i.path}`, message: i.message }));
      throw new RunError('INVALID_SPEC', `The pipeline spec is invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
    }
    return parsed.spec;
  }

  async get(runId: string): Promise<PipelineRunRow> {
    if (!isUuid(runId)) throw RunError.invalid('input.runId', 'must be a UUID');
    const row = await this.repos.runs.get(runId);
    if (!row) throw new RunError('RUN_NOT_FOUND', `No pipeline run has id ${runId}`);
    return row;
  }

  async list(input: PipelineRunsInput = {}): Promise<PipelineRunConnection> {
    const first = pageSize(input.first);
    const after = input.after ? decodeCursor(input.after) : undefined;
    const rows = await this.repos.runs.list({ status: input.status, pipelineName: input.pipelineName, modelName: input.modelName, submittedBy: input.submittedBy }, first + 1, after);
    return pageOf(rows, first, (row) => this.toModel(row));
  }

  /**
   * Delivers a decision through the workflow's `decide` Update, whose validator refuses what cannot
   * count (no open gate, a second approval by the same person) before anything is written to history.
   * A refusal is an audit event (`gate.refused`), never a row of the run's gate record, which only its
   * workflow writes.
   */
  async decide(input: GateDecisionInput, decision: 'approve' | 'reject', caller: Caller): Promise<Gate> {
    const run = await this.get(input.runId);
    const actor = caller.name;
    if (input.comment !== undefined && input.comment !== null && input.comment.length > 2000) throw RunError.invalid('input.comment', 'must be at most 2000 characters');
    if (input.gate !== undefined && input.gate !== null && input.gate.length > 100) throw RunError.invalid('input.gate', 'must be a gate name');
    if (!ACTIVE.has(run.status)) {
      throw new RunError('RUN_NOT_ACTIVE', `Run ${run.id} is ${run.status}; only a running run has gates to decide`);
    }
    const handle = this.temporal.workflow.getHandle(run.workflowId);
    try {
      const state = await handle.executeUpdate(decideUpdate, { args: [{ actor, decision, gate: input.gate, comment: input.comment }] });
      return gateModel(state);
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        const reason = error.cause?.message ?? error.message;
        // Refused by the workflow's own check (after its validator): the workflow has recorded it already.
        const recordedByWorkflow = (error.cause as { type?: string } | undefined)?.type === 'DecisionRefused';
        if (recordedByWorkflow) throw new RunError('GATE_DECISION_REFUSED', `The decision was refused: ${reason}`);
        await this.audit(caller, 'gate.refused', run.id, { gate: input.gate ?? null, decision, via: 'api', reason, ...(input.comment ? { comment: input.comment } : {}) });
        throw new RunError('GATE_DECISION_REFUSED', `The decision was refused: ${reason}`);
      }
      if (error instanceof WorkflowNotFoundError) throw new RunError('RUN_NOT_ACTIVE', `Run ${run.id} is no longer running`);
      throw new RunError('TEMPORAL_UNAVAILABLE', `The decision could not be delivered: ${(error as Error).message}`);
    }
  }

  /** Asks the run's workflow to cancel: running activities see it on their next heartbeat, and a partial rollout is rolled back. */
  async cancel(input: CancelRunInput, caller: Caller): Promise<PipelineRun> {
    const run = await this.get(input.runId);
    if (!ACTIVE.has(run.status)) throw new RunError('RUN_NOT_ACTIVE', `Run ${run.id} is ${run.status}; only a running run can be cancelled`);
    try {
      await this.temporal.workflow.getHandle(run.workflowId).cancel();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new RunError('RUN_NOT_ACTIVE', `Run ${run.id} is no longer running`);
      throw new RunError('TEMPORAL_UNAVAILABLE', `The cancellation could not be delivered: ${(error as Error).message}`);
    }
    await this.audit(caller, 'run.cancel_requested', run.id, { reason: input.reason ?? null });
    return this.toModel(run);
  }

  /**
   * Continues a failed or cancelled run from the step that did not finish: a new execution of the same
   * workflow id, which reuses the outputs of the steps that succeeded.
   */
  async resume(input: RunIdInput, caller: Caller): Promise<PipelineRun> {
    const run = await this.get(input.runId);
    if (!RESUMABLE.has(run.status)) {
      throw new RunError('RUN_NOT_RESUMABLE', `Run ${run.id} is ${run.status}; only failed or cancelled runs can be resumed`);
    }
    // The projection reads failed or cancelled a moment before the execution itself closes: let it close first.
    const previous = this.temporal.workflow.getHandle(run.workflowId);
    await this.temporal.connection.withDeadline(Date.now() + 10_000, () => previous.result()).catch(() => undefined);
    try {
      // The resumed execution records that it runs (or, with a spec that no longer validates, that it failed): the API writes nothing.
      await this.startRecorded(pipelineStart(run, { resume: true }), { resume: true });
    } catch (error) {
      if (error instanceof RunError) throw error;
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new RunError('RUN_NOT_RESUMABLE', `Run ${run.id} is already running again`);
      throw new RunError('TEMPORAL_UNAVAILABLE', `The run could not be resumed: ${(error as Error).message}`);
    }
    await this.audit(caller, 'run.resume_requested', run.id, {});
    return this.toModel((await this.repos.runs.get(run.id)) ?? run);
  }

  /**
   * The gates of a run: live from the workflow while it runs (its state is authoritative), otherwise
   * rebuilt from the recorded decisions.
   */
  async gates(run: PipelineRunRow, decisions: readonly GateDecisionRecord[]): Promise<Gate[]> {
    if (ACTIVE.has(run.status)) {
      try {
        const handle = this.temporal.workflow.getHandle(run.workflowId);
        const state = await this.temporal.connection.withDeadline(Date.now() + 3000, () => handle.query(gatesQuery));
        return state.map(gateModel);
      } catch (error) {
        this.logger.warn(`gates of ${run.id} read from the database: ${(error as Error).message}`);
      }
    }
    return recordedGateStates((run.spec as PipelineSpec).gates, decisions).map(gateModel);
  }
}

function gateModel(state: GateState): Gate {
  return {
    ...state,
    approvals: state.approvals.map((a) => ({ ...a, at: new Date(a.at) })),
    rejection: state.rejection ? { ...state.rejection, at: new Date(state.rejection.at) } : null,
    deadline: state.deadline ? new Date(state.deadline) : null,
  };
}
