import { ApplicationFailure } from '@temporalio/activity';
import { auditFromActivity, auditManyFromActivity, type AuditEvent, type AuditMark } from '../audit.js';
import type { Repositories } from '../../db/repositories/index.js';
import { modelNameOf, type PipelineSpec } from '../../domain/pipeline/spec.js';
import type { RunPurpose } from '../../db/schema/index.js';
import type { GateDecisionRecord } from '../../domain/pipeline/gates.js';
import { runOrigin, type ProjectionWrite, type RunWrite, type StepWrite } from '../../domain/runs.js';

/**
 * Writes the queryable projection of a pipeline workflow: its run row, its steps and its gate
 * decisions. Every write is keyed (run id plus step name or decision sequence), so retries are harmless.
 */
export function createRunsActivities({ repos }: { repos: Repositories }) {
  /** Writes a step's state; returns the audit event that records it. */
  async function applyStep(input: StepWrite): Promise<AuditEvent> {
    const { step, ...rest } = input;
    await repos.runs.upsertStep({ ...rest, name: step, at: new Date() });
    return { action: `step.${input.status}`, subjectType: 'run', subjectId: input.runId, payload: { step: input.step, ...(input.error ? { error: input.error } : {}) } };
  }

  /** Moves the run's row; returns the audit event that records it. */
  async function applyRun(input: RunWrite): Promise<AuditEvent> {
    const patch = {
      status: input.status,
      ...(input.currentStep !== undefined ? { currentStep: input.currentStep } : {}),
      ...(input.error !== undefined ? { error: input.error } : {}),
      ...(input.datasetVersionId ? { datasetVersionId: input.datasetVersionId } : {}),
      finishedAt: input.finished ? new Date() : null,
    };
    await repos.runs.update(input.runId, patch, input.fence);
    return {
      action: `run.${input.status}`,
      subjectType: 'run',
      subjectId: input.runId,
      payload: { ...(input.currentStep ? { step: input.currentStep } : {}), ...(input.error ? { error: input.error } : {}) },
    };
  }

  return {
    /**
     * Records the run: its row is written here, by its workflow, however the run was started (the API, a
     * retrainer, the Temporal CLI); a resumed run's is already there. Returns its stored purpose, which the
     * workflow honours over whatever its input says.
     */
    async ensureRun(input: {
      runId: string;
      workflowId: string;
      spec: PipelineSpec;
      submittedBy: string;
      purpose?: RunPurpose;
      trigger?: string;
      parentRunId?: string;
      driftReportId?: string;
    }): Promise<AuditMark & { purpose: RunPurpose }> {
      const row = await repos.runs.create({
        id: input.runId,
        workflowId: input.workflowId,
        pipelineName: input.spec.name,
        modelName: modelNameOf(input.spec),
        spec: input.spec,
        submittedBy: input.submittedBy,
        status: 'running',
        ...runOrigin(input),
        parentRunId: input.parentRunId ?? null,
        driftReportId: input.driftReportId ?? null,
      });
      const mark = await auditFromActivity(repos, {
        action: 'run.started',
        subjectType: 'run',
        subjectId: input.runId,
        actor: input.submittedBy,
        payload: { pipeline: input.spec.name, ...(input.trigger ? { trigger: input.trigger } : {}), ...(input.driftReportId ? { driftReportId: input.driftReportId } : {}) },
      });
      return { ...mark, purpose: row.purpose };
    },

    async recordStep(input: StepWrite): Promise<AuditMark> {
      return await auditFromActivity(repos, await applyStep(input));
    },

    /** Moves the run's row; fenced, so a late attempt never undoes what the workflow wrote after it (its audit event is keyed, so it is written once either way). */
    async updateRun(input: RunWrite): Promise<AuditMark> {
      return await auditFromActivity(repos, await applyRun(input));
    },

    /**
     * Writes of one run in the order its workflow made them, each fenced, with their audit events in one
     * commit (runs since `patched('batched-projection-writes')`, which send a write that nothing reads
     * before the next with that next one). An event's key is its write's place in the run, so a write sent
     * again, in a retry or a later batch, is recorded once.
     */
    async recordProjection(input: { runId: string; writes: ProjectionWrite[] }): Promise<{ audit: AuditMark[] }> {
      const keys = input.writes.map((write) => {
        const { fence } = 'step' in write ? write.step : write.run;
        if (!fence) throw ApplicationFailure.nonRetryable('a batched projection write needs its fence: writes.fence is missing', 'UnfencedWrite');
        return `projection:${input.runId}:${fence.epoch}:${fence.seq}`;
      });
      const events: { event: AuditEvent; key: string }[] = [];
      for (const [i, write] of input.writes.entries()) events.push({ event: 'step' in write ? await applyStep(write.step) : await applyRun(write.run), key: keys[i]! });
      return { audit: await auditManyFromActivity(repos, events) };
    },

    /** Records a decision its workflow received: an accepted one in the gate record, every one in the audit history. */
    async recordGateDecision(input: Omit<GateDecisionRecord, 'sequence'> & { sequence: string | number }): Promise<AuditMark> {
      // Runs started before decisions were keyed per execution send their sequence as a number.
      const decision: GateDecisionRecord = { ...input, sequence: String(input.sequence) };
      // A refused attempt is an audit event only: the gate record holds the decisions that count.
      if (decision.accepted) await repos.gates.record(decision);
      return await auditFromActivity(repos, {
        action: decision.accepted ? 'gate.decided' : 'gate.refused',
        subjectType: 'run',
        subjectId: decision.runId,
        actor: decision.actor,
        payload: {
          gate: decision.gate,
          decision: decision.decision,
          via: decision.via,
          ...(decision.comment ? { comment: decision.comment } : {}),
          // A refusal is told from this event alone: when the workflow decided it, and where among its decisions.
          ...(decision.accepted ? {} : { reason: decision.refusedReason, decidedAt: decision.decidedAt, sequence: decision.sequence }),
        },
      });
    },

    /** The outputs of the steps a run completed, so `resumeRun` can continue from the failed step. */
    async loadCompletedSteps(input: { runId: string }): Promise<Record<string, Record<string, unknown>>> {
      const steps = await repos.runs.stepsOf([input.runId]);
      return Object.fromEntries(steps.filter((s) => (s.status === 'succeeded' || s.status === 'reused') && s.output).map((s) => [s.name, s.output!]));
    },
  };
}

export type RunsActivities = ReturnType<typeof createRunsActivities>;
