import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { DataActivities, DatasetVersionRef } from '../../activities/data/data.activities.js';
import type { ValidationReport } from '../../activities/data/validate.js';
import type { EvaluationActivities, EvaluationResult } from '../../activities/evaluation/evaluation.activities.js';
import type { ModelVersionRef, RegistryActivities } from '../../activities/registry/registry.activities.js';
import type { GovernanceActivities } from '../../activities/governance/governance.activities.js';
import type { RunsActivities } from '../../activities/runs/runs.activities.js';
import type { RunPurpose, StepError } from '../../db/schema/runs.js';
import type { TrainingActivities, TrialResult } from '../../activities/training/training.activities.js';
import { CUSTODY_STATUS } from '../search-attributes.js';
import { bestIndex, championFailure, fairnessFailures, thresholdFailures, type Metrics } from './decisions.js';
import {
  approveSignal,
  decideUpdate,
  gatesQuery,
  progressQuery,
  rejectSignal,
  type DecideInput,
  type GateDecisionInput,
  type GateState,
} from './messages.js';
import { halvingRungs, searchTrials, type TrialPlan } from './search.js';
import { createStepRunner, PROJECTION_OPTIONS } from './steps.js';
import { durationMs, modelNameOf, parsePipelineSpec, type GateSpec, type MetricName, type PipelineSpec } from './spec.js';

export interface PipelineInput {
  runId: string;
  spec: PipelineSpec;
  submittedBy: string;
  /** Continue a failed or cancelled run: steps that succeeded before are reused, not run again. */
  resume?: boolean;
  /** `reproduce` retrains from the same inputs without the trial cache and stops after training. */
  purpose?: RunPurpose;
  /** The run this one came from (reproduce, retrain), and why it started. */
  parentRunId?: string;
  trigger?: string;
  /** The drift report whose findings started this retraining, if one did. */
  driftReportId?: string;
}

export type PipelineOutcome = 'succeeded' | 'rejected' | 'rolled_back';

export interface PipelineResult {
  status: PipelineOutcome;
  /** The best trial's artifact; what a reproduction compares with the original. */
  artifactSha256?: string;
  modelVersionId?: string;
  modelVersion?: number;
  reasons: string[];
}

const data: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 5 },
};
const evaluation: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 5 },
};
const registry: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', maximumInterval: '30 seconds', maximumAttempts: 10 },
};

const runs = proxyActivities<RunsActivities>(PROJECTION_OPTIONS);
const datasets = proxyActivities<DataActivities>(data);
const evaluations = proxyActivities<EvaluationActivities>(evaluation);
const registries = proxyActivities<RegistryActivities>(registry);
const governance = proxyActivities<GovernanceActivities>(PROJECTION_OPTIONS);

class Rejected extends Error {
  constructor(
    readonly reasons: string[],
    readonly type: string,
  ) {
    super(reasons.join('; '));
  }
}

class RolledBack extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
  }
}

/**
 * One pipeline run: data → validation → training with hyperparameter search → evaluation →
 * registry → approval gates → staged deployment. Decisions live here; the work is in activities,
 * which receive and return ids and hashes only. The run's rows in Postgres are a projection this
 * workflow writes as it goes; its own state stays authoritative.
 */
export async function pipeline(input: PipelineInput): Promise<PipelineResult> {
  const parsed = parsePipelineSpec(input.spec);
  if (!parsed.ok) {
    throw ApplicationFailure.create({
      type: 'InvalidSpec',
      nonRetryable: true,
      message: `invalid pipeline spec: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      details: [parsed.issues],
    });
  }
  const spec = parsed.spec;
  const { runId } = input;
  const modelName = modelNameOf(spec);
  // What evaluation and the registry need of the spec: activities get this slice, not the whole document.
  const modelSpec = { task: spec.task, target: spec.target, features: spec.features, split: spec.split, fairness: spec.fairness };
  const workflowId = workflowInfo().workflowId;
  // Deployment writes are keyed per execution: a retry reuses its key, a resumed run (a new execution) gets new ones.
  const executionKey = `${workflowId}:${workflowInfo().runId}`;

  const gates: GateState[] = spec.gates.map((g) => ({ name: g.name, role: g.role, quorum: g.quorum, status: 'pending', approvals: [], onTimeout: g.onTimeout }));
  let status = 'running';
  let currentStep: string | null = null;
  let trialsDone = 0;
  let trialsTotal = 0;
  const decisionLog: Parameters<RunsActivities['recordGateDecision']>[0][] = [];
  let decisionSequence = 0;

  // Runs started before governance checks existed replay without them; new runs verify every actor.
  const verifyActors = patched('verify-gate-actors');

  const openGate = () => gates.find((g) => g.status === 'open');
  /** Why a decision cannot count (checks that need no database), or null when it can. */
  const refusal = (d: GateDecisionInput, decision: 'approve' | 'reject'): string | null => {
    if (typeof d?.actor !== 'string' || d.actor.trim() === '') return 'actor is required';
    const malformed = malformedDecision(d);
    if (malformed) return malformed;
    const gate = openGate();
    if (!gate) return d.gate ? `gate ${d.gate} is not open` : 'no gate is open';
    if (d.gate && d.gate !== gate.name) return `gate ${d.gate} is not open; the open gate is ${gate.name}`;
    if (gate.approvals.some((a) => a.actor === d.actor.trim())) return `${d.actor.trim()} has already approved gate ${gate.name}`;
    if (verifyActors && decision === 'approve' && d.actor.trim() === input.submittedBy) return `${d.actor.trim()} submitted this run and cannot approve its gates`;
    return null;
  };
  /** Applies a decision to the open gate, or records why it was refused. */
  const apply = (d: GateDecisionInput, decision: 'approve' | 'reject', via: string, refused: string | null): GateState | null => {
    const at = new Date().toISOString();
    const reason = refused ?? refusal(d, decision);
    const gateName = openGate()?.name ?? d?.gate ?? '(none)';
    decisionLog.push({
      runId,
      gate: cleanText(gateName, 100),
      sequence: `${workflowInfo().runId}:${++decisionSequence}`,
      actor: typeof d?.actor === 'string' && d.actor.trim() ? cleanText(d.actor.trim(), 200) : '(missing)',
      decision,
      comment: typeof d?.comment === 'string' ? cleanText(d.comment, 2000) : undefined,
      accepted: reason === null,
      refusedReason: reason ?? undefined,
      via,
      decidedAt: at,
    });
    if (reason) {
      log.warn('gate decision refused', { reason, actor: d?.actor, via });
      return null;
    }
    const gate = openGate()!;
    const entry = { actor: d.actor.trim(), comment: d.comment, at };
    if (decision === 'reject') {
      gate.rejection = entry;
      gate.status = 'rejected';
    } else {
      gate.approvals.push(entry);
      if (gate.approvals.length >= gate.quorum) gate.status = 'approved';
    }
    return gate;
  };

  // Verified decisions run one at a time, in arrival order, each checked against the principals
  // and their roles by an activity; the gate state is checked again after that check returns.
  let decisionQueue: Promise<unknown> = Promise.resolve();
  let decisionsPending = 0;
  const decideVerified = (d: GateDecisionInput, decision: 'approve' | 'reject', via: string): Promise<{ gate: GateState | null; reason?: string }> => {
    decisionsPending++;
    const result = decisionQueue.then(() =>
      CancellationScope.nonCancellable(async () => {
        const quick = refusal(d, decision);
        if (quick) {
          apply(d, decision, via, quick);
          return { gate: null, reason: quick };
        }
        const gate = openGate()!;
        const [gateName, required] = [gate.name, gate.role as 'approver' | 'admin'];
        const auth = await governance.authorizeDecision({ actor: d.actor.trim(), requiredRole: required, submittedBy: input.submittedBy, decision });
        // The gate may have timed out, escalated or been decided while the check ran: it must still be the same gate, wanting the same role.
        const still = openGate();
        const changed = !still || still.name !== gateName || still.role !== required ? `gate ${gateName} changed while the decision was checked; decide again` : null;
        const reason = auth.allowed ? (changed ?? refusal(d, decision)) : auth.reason!;
        const applied = apply(d, decision, via, reason);
        return { gate: applied ? { ...applied } : null, reason: reason ?? undefined };
      }),
    );
    decisionQueue = result.catch(() => undefined).finally(() => decisionsPending--);
    return result;
  };

  setHandler(approveSignal, (d) => {
    if (verifyActors) void decideVerified(d, 'approve', 'signal');
    else apply(d, 'approve', 'signal', null);
  });
  setHandler(rejectSignal, (d) => {
    if (verifyActors) void decideVerified(d, 'reject', 'signal');
    else apply(d, 'reject', 'signal', null);
  });
  setHandler(
    decideUpdate,
    async (d: DecideInput) => {
      if (!verifyActors) return { ...apply(d, d.decision, 'api', null)! };
      const { gate, reason } = await decideVerified(d, d.decision, 'api');
      if (!gate) throw ApplicationFailure.create({ type: 'DecisionRefused', message: reason ?? 'refused', nonRetryable: true });
      return gate;
    },
    {
      validator: (d: DecideInput) => {
        if (d?.decision !== 'approve' && d?.decision !== 'reject') throw new Error('decision must be approve or reject');
        const reason = refusal(d, d.decision);
        if (reason) throw new Error(reason);
      },
    },
  );
  setHandler(gatesQuery, () => gates);
  setHandler(progressQuery, () => ({ status, currentStep, trialsDone, trialsTotal, gates }));

  // Decisions arrive in handlers; this loop writes each one (accepted or refused) to the database.
  // It is not cancellable: a cancelled run still records every decision it received.
  let finished = false;
  const recorder = CancellationScope.nonCancellable(async () => {
    while (true) {
      await condition(() => decisionLog.length > 0 || finished);
      if (decisionLog.length === 0) return;
      await runs.recordGateDecision(decisionLog[0]!);
      decisionLog.shift();
    }
  });

  const completed = input.resume ? await runs.loadCompletedSteps({ runId }) : {};
  // A resumed run always deploys again: an earlier deployment may have been rolled back since.
  for (const name of Object.keys(completed)) if (name.startsWith('deploy:')) delete completed[name];
  const step = createStepRunner({ runId, completed, describe, onStart: (name) => (currentStep = name) });
  const setStatus = async (next: string, extra: Partial<Parameters<RunsActivities['updateRun']>[0]> = {}) => {
    status = next;
    upsertSearchAttributes([{ key: CUSTODY_STATUS, value: next }]);
    await runs.updateRun({ runId, status: next as never, ...extra });
  };

  let modelVersion: ModelVersionRef | undefined;
  const deployed = new Set<'staging' | 'production'>();
  try {
    const stored = await runs.ensureRun({ runId, workflowId, spec, submittedBy: input.submittedBy, purpose: input.purpose, trigger: input.trigger, parentRunId: input.parentRunId, driftReportId: input.driftReportId });
    // The stored purpose wins over the input's: a reproduction stays one however its workflow is started again.
    const reproducing = input.purpose === 'reproduce' || (patched('stored-run-purpose') && stored.purpose === 'reproduce');
    await setStatus('running', { currentStep: null, error: null });

    const dataset = await step('register-dataset', () =>
      datasets.registerDataset.executeWithOptions({ ...data, summary: `dataset ${spec.dataset.name}` }, [{ dataset: spec.dataset, actor: input.submittedBy }]),
    );
    await runs.updateRun({ runId, status: 'running', datasetVersionId: dataset.id });

    await step('validate-data', async () => {
      const report: ValidationReport = await datasets.validateData.executeWithOptions({ ...data, summary: `validate ${dataset.name}@v${dataset.version}` }, [
        { datasetVersionId: dataset.id, spec: { validation: spec.validation, features: spec.features, target: spec.target, task: spec.task, fairness: spec.fairness } },
      ]);
      if (!report.passed) {
        throw ApplicationFailure.create({
          type: 'DataValidationFailed',
          nonRetryable: true,
          message: `data validation failed ${report.failures.length} of ${report.rulesChecked} rules: ${report.failures.map((f) => f.message).join('; ')}`,
          details: [report],
        });
      }
      return { passed: true, rulesChecked: report.rulesChecked, rowCount: report.rowCount };
    });

    const training = await step('train', () => train(spec, runId, dataset, (done, total) => ((trialsDone = done), (trialsTotal = total)), !reproducing));
    if (reproducing) {
      await setStatus('succeeded', { currentStep: null, finished: true });
      return await finish({ status: 'succeeded', artifactSha256: training.bestArtifactSha256, reasons: [] });
    }

    const evaluated = await step('evaluate', async () => {
      const result: EvaluationResult = await evaluations.evaluateCandidate.executeWithOptions({ ...evaluation, summary: `evaluate trial ${training.bestTrialIndex}` }, [
        { modelName, artifactSha256: training.bestArtifactSha256, datasetVersionId: dataset.id, spec: modelSpec, primaryMetric: spec.evaluation.primaryMetric, compareChampion: spec.evaluation.champion.enabled },
      ]);
      const reasons = thresholdFailures(result.metrics, spec.evaluation.thresholds);
      if (result.fairness && spec.fairness) reasons.push(...fairnessFailures(result.fairness, spec.fairness.thresholds));
      const metric = spec.evaluation.primaryMetric;
      if (result.champion && result.metrics[metric] !== undefined && result.champion.metrics[metric] !== undefined) {
        const failure = championFailure(metric, result.metrics[metric]!, result.champion.metrics[metric]!, spec.evaluation.champion.minImprovement, `v${result.champion.version}`);
        if (failure) reasons.push(failure);
      }
      if (reasons.length > 0) throw new Rejected(reasons, 'ModelValidationFailed');
      return result;
    });

    modelVersion = await step('register-model', () =>
      registries.registerModel.executeWithOptions({ ...registry, summary: `register ${modelName}` }, [
        {
          runId,
          modelName,
          trialId: training.bestTrialId,
          datasetVersionId: dataset.id,
          metrics: evaluated.metrics as Record<string, number>,
          fairness: evaluated.fairness,
          importances: evaluated.importances,
          spec: modelSpec,
        },
      ]),
    );

    const approvedBy: string[] = [];
    for (const gateSpec of spec.gates) {
      const outcome = await step(`gate:${gateSpec.name}`, () => awaitGate(gateSpec));
      approvedBy.push(...outcome.approvedBy);
    }

    const version = modelVersion;
    const { staging, production } = spec.deployment;
    if (staging) {
      await step('deploy:staging', async () => {
        deployed.add('staging');
        await deploy(version, 'staging', 'primary', 100, approvedBy, 'staging:primary');
        await bakeAndCheck(version, 'staging', staging.bakeTime, staging.checks, dataset.id);
        return { stage: 'staging', modelVersionId: version.modelVersionId };
      });
    }
    await step('deploy:production', async () => {
      deployed.add('production');
      for (const percent of production.canary) {
        await deploy(version, 'production', 'canary', percent, approvedBy, `production:canary:${percent}`);
        await bakeAndCheck(version, 'production', production.bakeTime, production.checks, dataset.id, `canary ${percent}%`);
      }
      await deploy(version, 'production', 'primary', 100, approvedBy, 'production:primary');
      await bakeAndCheck(version, 'production', production.canary.length > 0 ? '0s' : production.bakeTime, production.checks, dataset.id);
      return { stage: 'production', modelVersionId: version.modelVersionId, canary: production.canary };
    });

    await setStatus('succeeded', { currentStep: null, finished: true });
    return await finish({ status: 'succeeded', modelVersionId: version.modelVersionId, modelVersion: version.version, reasons: [] });
  } catch (error) {
    // No decision counts once the run is ending: close any open gate before cleaning up.
    for (const gate of gates) if (gate.status === 'open') gate.status = 'pending';
    // Cleanup never stops half-way: not by a cancellation, and not when a rollback itself fails.
    const cleanUp = (why: string, next: string, error: StepError) =>
      CancellationScope.nonCancellable(async () => {
        try {
          await rollbackAll(why);
        } finally {
          await setStatus(next, { finished: true, error });
        }
      });
    if (isCancellation(error)) {
      await cleanUp('cancelled', 'cancelled', { type: 'Cancelled', message: 'the run was cancelled' });
      await drain();
      throw error;
    }
    if (error instanceof Rejected) {
      await setStatus('rejected', { finished: true, error: { type: error.type, message: error.message, details: { reasons: error.reasons } } });
      return await finish({ status: 'rejected', modelVersionId: modelVersion?.modelVersionId, modelVersion: modelVersion?.version, reasons: error.reasons });
    }
    if (error instanceof RolledBack) {
      await cleanUp('check failed', 'rolled_back', { type: 'DeploymentCheckFailed', message: error.message, details: { reasons: error.reasons } });
      return await finish({ status: 'rolled_back', modelVersionId: modelVersion?.modelVersionId, modelVersion: modelVersion?.version, reasons: error.reasons });
    }
    await cleanUp('failed', 'failed', describe(error));
    await drain();
    throw error;
  }

  /** Waits until every decision received has been checked and written to the database; a cancellation cannot cut it short. */
  async function drain(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      await condition(() => decisionsPending === 0);
      finished = true;
      await recorder;
    });
  }

  async function finish(result: PipelineResult): Promise<PipelineResult> {
    await drain();
    return result;
  }

  async function rollbackAll(why: string): Promise<void> {
    for (const stage of ['production', 'staging'] as const) {
      if (!deployed.has(stage)) continue;
      log.info('rolling back', { stage, why });
      await registries.rollback.executeWithOptions({ ...registry, summary: `roll back ${stage} (${why})` }, [{ key: `${executionKey}:${stage}:rollback`, runId, stage }]);
    }
  }

  async function deploy(version: ModelVersionRef, stage: 'staging' | 'production', role: 'primary' | 'canary', percent: number, approvedBy: string[], key: string) {
    await registries.deploy.executeWithOptions({ ...registry, summary: `${stage} ${role === 'canary' ? `canary ${percent}%` : 'primary'}: ${version.modelName} v${version.version}` }, [
      { key: `${executionKey}:${key}`, runId, modelVersionId: version.modelVersionId, stage, role, trafficPercent: percent, approvedBy },
    ]);
  }

  async function bakeAndCheck(
    version: ModelVersionRef,
    stage: 'staging' | 'production',
    bakeTime: string,
    checks: PipelineSpec['deployment']['production']['checks'],
    datasetVersionId: string,
    label: string = stage,
  ) {
    const bake = durationMs(bakeTime);
    if (bake > 0) await sleep(bake);
    const result = await evaluations.checkStage.executeWithOptions({ ...evaluation, summary: `check ${label}` }, [
      { modelVersionId: version.modelVersionId, datasetVersionId, spec: modelSpec, checkDataset: checks?.dataset },
    ]);
    const failures = thresholdFailures(result.metrics, checks?.thresholds ?? spec.evaluation.thresholds, result.data);
    if (failures.length > 0) throw new RolledBack(failures.map((f) => `${label} check: ${f}`));
  }

  async function awaitGate(gateSpec: GateSpec): Promise<{ approvedBy: string[]; decidedBy: string }> {
    const gate = gates.find((g) => g.name === gateSpec.name)!;
    gate.status = 'open';
    gate.openedAt = new Date().toISOString();
    let timeout = durationMs(gateSpec.timeout);
    gate.deadline = new Date(Date.now() + timeout).toISOString();
    await setStatus('awaiting_approval', { currentStep: `gate:${gate.name}` });
    let decided = await condition(() => gate.status !== 'open', timeout);
    if (!decided && gateSpec.onTimeout === 'escalate' && gateSpec.escalateTo) {
      log.info('gate timed out; escalating', { gate: gate.name, to: gateSpec.escalateTo });
      gate.role = gateSpec.escalateTo;
      timeout = durationMs(gateSpec.timeout);
      gate.deadline = new Date(Date.now() + timeout).toISOString();
      decided = await condition(() => gate.status !== 'open', timeout);
    }
    gate.deadline = undefined;
    if (!decided) {
      const at = new Date().toISOString();
      decisionLog.push({ runId, gate: gate.name, sequence: `${workflowInfo().runId}:${++decisionSequence}`, actor: 'system:timeout', decision: 'timeout', accepted: true, via: 'timer', decidedAt: at, comment: `no decision within ${gateSpec.timeout}; policy ${gateSpec.onTimeout}` });
      if (gateSpec.onTimeout === 'approve') {
        gate.status = 'approved';
        gate.approvals.push({ actor: 'system:timeout', comment: 'approved by the timeout policy', at });
      } else {
        gate.status = 'timed_out';
      }
    }
    await setStatus('running');
    if (gate.status === 'approved') return { approvedBy: gate.approvals.map((a) => a.actor), decidedBy: gate.approvals.at(-1)!.actor };
    if (gate.status === 'timed_out') throw new Rejected([`gate ${gate.name} timed out after ${gateSpec.timeout} without a decision`], 'GateTimedOut');
    throw new Rejected([`gate ${gate.name} was rejected by ${gate.rejection!.actor}${gate.rejection!.comment ? `: ${gate.rejection!.comment}` : ''}`], 'GateRejected');
  }
}

interface TrainingOutput {
  bestTrialId: string;
  bestTrialIndex: number;
  bestArtifactSha256: string;
  bestMetrics: Metrics;
  succeeded: number;
  failed: number;
  reused: number;
}

/**
 * Trains every configuration of the search (one trainer or several candidates), at most `parallelism`
 * at once, and picks the best on the validation split; successive halving trains them on growing
 * shares of the rows and drops the weakest after each rung.
 */
async function train(
  spec: PipelineSpec,
  runId: string,
  dataset: DatasetVersionRef,
  onProgress: (done: number, total: number) => void,
  reuse: boolean,
): Promise<TrainingOutput> {
  const options: ActivityOptions = {
    startToCloseTimeout: durationMs(spec.training.timeout),
    heartbeatTimeout: durationMs(spec.training.heartbeatTimeout),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['TrainerParams', 'CommandTrainer', 'BadInput', 'DataFormat'] },
  };
  const { trainCandidate } = proxyActivities<TrainingActivities>(options);
  const { search } = spec.training;
  const plans = searchTrials(spec.training);
  const rungs = search.strategy === 'halving' ? halvingRungs(plans.length, search.eta ?? 3, trainRowsOf(spec, dataset.rowCount)) : [{ fraction: 1, keep: plans.length }];
  const total = rungs.reduce((n, _rung, r) => n + (r === 0 ? plans.length : rungs[r - 1]!.keep), 0);
  let done = 0;
  let nextIndex = 0;
  onProgress(0, total);
  const trainOne = async (plan: TrialPlan, index: number, fraction: number): Promise<TrialResult> => {
    const share = fraction < 1 ? ` on ${Number((fraction * 100).toPrecision(3))}% of the rows` : '';
    try {
      return await trainCandidate.executeWithOptions({ ...options, summary: `trial ${index}: ${plan.trainer} ${JSON.stringify(plan.params)}${share}` }, [
        {
          runId,
          trialIndex: index,
          datasetVersionId: dataset.id,
          spec: { task: spec.task, target: spec.target, features: spec.features, split: spec.split, training: spec.training, fairness: spec.fairness },
          trainer: plan.trainer,
          ...(plan.command ? { command: plan.command } : {}),
          params: plan.params,
          reuse,
          ...(fraction < 1 ? { sampleFraction: fraction } : {}),
        },
      ]);
    } finally {
      onProgress(++done, total);
    }
  };
  let alive = plans;
  let ranked: TrialResult[] = [];
  let counts = { succeeded: 0, failed: 0, reused: 0 };
  for (const rung of rungs) {
    const base = nextIndex;
    nextIndex += alive.length;
    const settled = await pool(alive, search.parallelism, (plan: TrialPlan, k) => trainOne(plan, base + k, rung.fraction));
    const cancelled = settled.find((s) => s.status === 'rejected' && isCancellation(s.reason));
    if (cancelled) throw (cancelled as PromiseRejectedResult).reason;
    const ok = settled.filter((s): s is PromiseFulfilledResult<TrialResult> => s.status === 'fulfilled').map((s) => s.value);
    if (ok.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
    counts = { succeeded: counts.succeeded + ok.length, failed: counts.failed + settled.length - ok.length, reused: counts.reused + ok.filter((t) => t.reusedFromTrialId).length };
    ranked = rank(ok, spec.evaluation.primaryMetric);
    const planOf = new Map(ok.map((t) => [t.trialIndex, alive[t.trialIndex - base]!]));
    alive = ranked.slice(0, rung.keep).map((t) => planOf.get(t.trialIndex)!);
  }
  const best = ranked[0]!;
  return {
    bestTrialId: best.trialId,
    bestTrialIndex: best.trialIndex,
    bestArtifactSha256: best.artifactSha256,
    bestMetrics: best.metrics,
    ...counts,
  };
}

/** Trials best first on `metric` (the earlier trial first on ties, so the choice is deterministic). */
function rank(trials: TrialResult[], metric: MetricName): TrialResult[] {
  const order: TrialResult[] = [];
  const left = [...trials];
  while (left.length > 0) order.push(left.splice(bestIndex(left, metric), 1)[0]!);
  return order;
}

/** About how many rows the training split has: what successive halving divides. */
function trainRowsOf(spec: PipelineSpec, rowCount: number): number {
  return Math.floor(rowCount * (1 - spec.split.testFraction) * (1 - spec.split.validationFraction));
}

/** Text from outside (signals, updates) made safe to store: no NUL characters, bounded length. */
function cleanText(text: string, max: number): string {
  return text.replace(/\u0000/g, '').slice(0, max);
}

/** Why a decision's fields are unusable, or null. */
function malformedDecision(d: GateDecisionInput): string | null {
  const bad = (value: unknown, max: number) => value !== undefined && value !== null && (typeof value !== 'string' || value.length > max || value.includes('\u0000'));
  if (bad(d.actor, 200)) return 'actor must be text of at most 200 characters';
  if (bad(d.comment, 2000)) return 'comment must be text of at most 2000 characters';
  if (bad(d.gate, 100)) return 'gate must be a gate name';
  return null;
}

/** Runs `work` over the items with at most `limit` in flight, settling each; deterministic in a workflow. */
async function pool<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index]!, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** A failure as the run's projection stores it: type, message and details, with the root cause's words. */
function describe(error: unknown): { type: string; message: string; details?: unknown } {
  if (error instanceof Rejected) return { type: error.type, message: error.message, details: { reasons: error.reasons } };
  if (error instanceof RolledBack) return { type: 'DeploymentCheckFailed', message: error.message, details: { reasons: error.reasons } };
  let cause: unknown = error;
  while (cause && typeof cause === 'object' && 'cause' in cause && (cause as { cause?: unknown }).cause) cause = (cause as { cause: unknown }).cause;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message, details: cause.details?.[0] };
  if (isCancellation(error)) return { type: 'Cancelled', message: 'the step was cancelled' };
  return { type: (cause as Error)?.name ?? 'Error', message: (cause as Error)?.message ?? String(cause) };
}
