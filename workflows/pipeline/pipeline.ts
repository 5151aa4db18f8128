import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { DataActivities, DatasetVersionRef } from '../../activities/data/data.activities.js';
import type { EvaluationActivities, EvaluationResult } from '../../activities/evaluation/evaluation.activities.js';
import type { ModelVersionRef, RegistryActivities } from '../../activities/registry/registry.activities.js';
import { evaluationFailures } from '../../domain/pipeline/decisions.js';
import { progressQuery } from '../../domain/pipeline/messages.js';
import { modelNameOf, parsePipelineSpec, type GateSpec, type PipelineSpec } from '../../domain/pipeline/spec.js';
import type { RunPurpose, RunStatus, RunWrite, StepError } from '../../domain/runs.js';
import { CUSTODY_STATUS } from '../../domain/search-attributes.js';
import { describe, endedByCancel, Rejected } from './failures.js';
import { Gates, serveGates } from './gates.js';
import { RolledBack, Rollout } from './rollout.js';
import { Changes } from './changes.js';
import { createStepRunner, LOCAL_PROJECTION_OPTIONS, projection, projectionFence, projectionWriter, runWrite, type Projection } from './steps.js';
import { train, type TrainingOutput } from './train.js';

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

const datasets = proxyActivities<DataActivities>(data);
const evaluations = proxyActivities<EvaluationActivities>(evaluation);
/**
 * Evaluation heartbeats in runs since the patch, so a worker killed mid-evaluation is noticed within a minute
 * rather than at the half-hour timeout (the fault suite found a run waiting on one); earlier runs replay as they ran.
 */
const evaluationOptions = (changes: Changes): ActivityOptions => (changes.has('evaluation-heartbeat') ? { ...evaluation, heartbeatTimeout: '1 minute' } : evaluation);
const registries = proxyActivities<RegistryActivities>(registry);
const ledger = proxyLocalActivities<DataActivities>(LOCAL_PROJECTION_OPTIONS);

type StatusExtra = Partial<RunWrite>;

/**
 * One pipeline run: data → validation → training with hyperparameter search → evaluation →
 * registry → approval gates → staged deployment. Decisions live here; the work is in activities,
 * which receive and return ids and hashes only. The run's rows in Postgres are a projection this
 * workflow writes as it goes; its own state stays authoritative.
 */
export async function pipeline(input: PipelineInput): Promise<PipelineResult> {
  const spec = specOrFail(input.spec);
  const { runId, submittedBy } = input;
  const { workflowId, runId: executionId } = workflowInfo();
  // How this run behaves where the pipeline changed since runs in flight began (one patch marker for new runs).
  const changes = Changes.ofThisRun();
  // Runs started before governance checks existed replay without them; new runs verify every actor.
  const verifyActors = changes.has('verify-gate-actors');
  const { runs, gates: gateChecks } = projection(changes.has('local-projection-writes'));
  // Fenced writes: a late attempt never undoes a later write. Batched: a write nothing reads yet goes with the next.
  const fence = projectionFence(changes.has('projection-fence'));
  const writer = projectionWriter(runs, runId, changes.has('batched-projection-writes'));
  const gates = createGates(input, spec, executionId, verifyActors, changes, gateChecks);
  const progress = { status: 'running', currentStep: null as string | null, trialsDone: 0, trialsTotal: 0 };
  setHandler(progressQuery, () => ({ ...progress, gates: gates.states() }));
  const { drain } = serveGates(gates, verifyActors, (record) => runs.recordGateDecision(record));
  const finish = async (result: PipelineResult) => (await drain(), result);

  const completed = input.resume ? await runs.loadCompletedSteps({ runId }) : {};
  // A resumed run always deploys again: an earlier deployment may have been rolled back since.
  for (const name of Object.keys(completed)) if (name.startsWith('deploy:')) delete completed[name];
  const step = createStepRunner({ runId, writer, completed, describe, fence, changes, onStart: (name) => (progress.currentStep = name) });
  const status = (next: RunStatus, extra: StatusExtra) => {
    progress.status = next;
    upsertSearchAttributes([{ key: CUSTODY_STATUS, value: next }]);
    return runWrite({ runId, status: next, ...extra, fence: fence() });
  };
  const setStatus = async (next: RunStatus, extra: StatusExtra = {}) => await writer.now(status(next, extra));

  let modelVersion: ModelVersionRef | undefined;
  let rollout: Rollout | undefined;
  try {
    const stored = await runs.ensureRun({ runId, workflowId, spec, submittedBy, purpose: input.purpose, trigger: input.trigger, parentRunId: input.parentRunId, driftReportId: input.driftReportId });
    // The stored purpose wins over the input's: a reproduction stays one however its workflow is started again.
    const reproducing = input.purpose === 'reproduce' || (changes.has('stored-run-purpose') && stored.purpose === 'reproduce');
    await writer.later(status('running', { currentStep: null, error: null }));

    const dataset = await step('register-dataset', () =>
      datasets.registerDataset.executeWithOptions({ ...data, summary: `dataset ${spec.dataset.name}` }, [{ dataset: spec.dataset, actor: submittedBy }]),
    );
    await writer.later(runWrite({ runId, status: 'running', datasetVersionId: dataset.id, fence: fence() }));
    await step('validate-data', () => validate(spec, dataset));
    // Runs started before privacy budgets existed replay without drawing from one.
    if (changes.has('privacy-budget-draw')) await drawPrivacy(spec, runId, dataset, submittedBy);
    const onProgress = (done: number, total: number) => Object.assign(progress, { trialsDone: done, trialsTotal: total });
    const training = await step('train', () => train(spec, runId, dataset, onProgress, !reproducing, changes));
    if (reproducing) {
      await setStatus('succeeded', { currentStep: null, finished: true });
      return await finish({ status: 'succeeded', artifactSha256: training.bestArtifactSha256, reasons: [] });
    }

    const evaluated = await step('evaluate', () => evaluate(spec, training, dataset, changes));
    const version = (modelVersion = await step('register-model', () => registerModel(spec, runId, training, dataset, evaluated)));

    const approvedBy: string[] = [];
    for (const gateSpec of spec.gates) {
      const passed = await step(`gate:${gateSpec.name}`, () => passGate(gates, gateSpec, setStatus));
      approvedBy.push(...passed.approvedBy);
    }

    const deployment = (rollout = createRollout(spec, runId, `${workflowId}:${executionId}`, dataset, changes));
    const { staging, production } = spec.deployment;
    if (staging) await step('deploy:staging', () => deployment.staging(version, staging, approvedBy));
    await step('deploy:production', () => deployment.production(version, production, approvedBy));

    await setStatus('succeeded', { currentStep: null, finished: true });
    return await finish({ status: 'succeeded', modelVersionId: version.modelVersionId, modelVersion: version.version, reasons: [] });
  } catch (error) {
    // No decision counts once the run is ending: close any open gate before cleaning up.
    gates.close();
    const versionOf = { modelVersionId: modelVersion?.modelVersionId, modelVersion: modelVersion?.version };
    // Cleanup never stops half-way: not by a cancellation, and not when a rollback itself fails.
    const cleanUp = (why: string, next: RunStatus, failure: StepError) =>
      CancellationScope.nonCancellable(async () => {
        try {
          await rollout?.rollbackAll(why);
        } finally {
          await setStatus(next, { finished: true, error: failure });
        }
      });
    if (error instanceof Rejected) {
      await setStatus('rejected', { finished: true, error: describe(error) });
      return await finish({ status: 'rejected', ...versionOf, reasons: error.reasons });
    }
    if (error instanceof RolledBack) {
      await cleanUp('check failed', 'rolled_back', describe(error));
      return await finish({ status: 'rolled_back', ...versionOf, reasons: error.reasons });
    }
    const cancelled = endedByCancel(error, changes);
    await cleanUp(cancelled ? 'cancelled' : 'failed', cancelled ? 'cancelled' : 'failed', cancelled ? { type: 'Cancelled', message: 'the run was cancelled' } : describe(error));
    await drain();
    throw cancelled ? asCancellation(error) : error;
  }
}

/** The error a cancelled run ends with: its own cancellation, or one standing for the failure the cancel caused. */
function asCancellation(error: unknown): unknown {
  return isCancellation(error) ? error : new CancelledFailure('the run was cancelled', [], error instanceof Error ? error : undefined);
}

function specOrFail(input: PipelineSpec): PipelineSpec {
  const parsed = parsePipelineSpec(input);
  if (parsed.ok) return parsed.spec;
  throw ApplicationFailure.create({
    type: 'InvalidSpec',
    nonRetryable: true,
    message: `invalid pipeline spec: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    details: [parsed.issues],
  });
}

/** What evaluation and the registry need of the spec: activities get this slice, not the whole document. */
function modelSpecOf(spec: PipelineSpec) {
  return { task: spec.task, target: spec.target, features: spec.features, split: spec.split, fairness: spec.fairness, sensitiveColumns: spec.dataset.sensitiveColumns };
}

async function validate(spec: PipelineSpec, dataset: DatasetVersionRef) {
  const checks = { validation: spec.validation, features: spec.features, target: spec.target, task: spec.task, fairness: spec.fairness, sensitiveColumns: spec.dataset.sensitiveColumns };
  const report = await datasets.validateData.executeWithOptions({ ...data, summary: `validate ${dataset.name}@v${dataset.version}` }, [{ datasetVersionId: dataset.id, spec: checks }]);
  if (!report.passed) {
    throw ApplicationFailure.create({
      type: 'DataValidationFailed',
      nonRetryable: true,
      message: `data validation failed ${report.failures.length} of ${report.rulesChecked} rules: ${report.failures.map((f) => f.message).join('; ')}`,
      details: [report],
    });
  }
  return { passed: true, rulesChecked: report.rulesChecked, rowCount: report.rowCount };
}

/**
 * Draws the run's ε from the dataset's privacy budget, a short transaction run as a local activity (the
 * draw is idempotent per run, so a resumed run draws once). A refusal, with its figures, fails the run
 * before training.
 */
async function drawPrivacy(spec: PipelineSpec, runId: string, dataset: DatasetVersionRef, actor: string) {
  const privacy = spec.training.privacy;
  const request = privacy ? { epsilon: privacy.epsilon, delta: privacy.delta } : undefined;
  return await ledger.drawPrivacyBudget({ runId, datasetVersionId: dataset.id, privacy: request, actor });
}

/** Scores the best trial on the test split (and the champion on the same rows); rejects it when it may not be released. */
async function evaluate(spec: PipelineSpec, training: TrainingOutput, dataset: DatasetVersionRef, changes: Changes): Promise<EvaluationResult> {
  const result = await evaluations.evaluateCandidate.executeWithOptions({ ...evaluationOptions(changes), summary: `evaluate trial ${training.bestTrialIndex}` }, [
    {
      modelName: modelNameOf(spec),
      artifactSha256: training.bestArtifactSha256,
      datasetVersionId: dataset.id,
      spec: modelSpecOf(spec),
      primaryMetric: spec.evaluation.primaryMetric,
      compareChampion: spec.evaluation.champion.enabled,
    },
  ]);
  const reasons = evaluationFailures(result, spec);
  if (reasons.length > 0) throw new Rejected(reasons, 'ModelValidationFailed');
  return result;
}

async function registerModel(spec: PipelineSpec, runId: string, training: TrainingOutput, dataset: DatasetVersionRef, evaluated: EvaluationResult): Promise<ModelVersionRef> {
  const modelName = modelNameOf(spec);
  return await registries.registerModel.executeWithOptions({ ...registry, summary: `register ${modelName}` }, [
    {
      runId,
      modelName,
      trialId: training.bestTrialId,
      datasetVersionId: dataset.id,
      metrics: evaluated.metrics as Record<string, number>,
      fairness: evaluated.fairness,
      importances: evaluated.importances,
      spec: modelSpecOf(spec),
    },
  ]);
}

function createGates(input: PipelineInput, spec: PipelineSpec, executionId: string, verifyActors: boolean, changes: Changes, checks: Projection['gates']): Gates {
  return new Gates({
    runId: input.runId,
    submittedBy: input.submittedBy,
    specs: spec.gates,
    executionId,
    verifyActors,
    currentRules: changes.has('record-gate-escalation'),
    authorize: (request) => checks.authorizeDecision(request),
    until: (done, ms) => condition(done, ms),
    now: () => Date.now(),
  });
}

/** Opens a gate, marks the run as waiting on it, and returns who approved it; a rejection or a timeout ends the run. */
async function passGate(gates: Gates, spec: GateSpec, setStatus: (next: RunStatus, extra?: StatusExtra) => Promise<void>) {
  gates.open(spec);
  await setStatus('awaiting_approval', { currentStep: `gate:${spec.name}` });
  const outcome = await gates.wait(spec);
  await setStatus('running');
  if (!outcome.passed) throw new Rejected([outcome.reason], outcome.type);
  return { approvedBy: outcome.approvedBy, decidedBy: outcome.approvedBy.at(-1)! };
}

function createRollout(spec: PipelineSpec, runId: string, executionKey: string, dataset: DatasetVersionRef, changes: Changes): Rollout {
  return new Rollout({
    runId,
    executionKey,
    modelSpec: modelSpecOf(spec),
    datasetVersionId: dataset.id,
    thresholds: spec.evaluation.thresholds,
    actions: {
      deploy: (request, summary) => registries.deploy.executeWithOptions({ ...registry, summary }, [request]),
      rollback: (request, summary) => {
        log.info('rolling back', { stage: request.stage, summary });
        return registries.rollback.executeWithOptions({ ...registry, summary }, [request]);
      },
      check: (request, summary) => evaluations.checkStage.executeWithOptions({ ...evaluationOptions(changes), summary }, [request]),
      sleep: (ms) => sleep(ms),
    },
  });
}
