import { ApplicationFailure, CancellationScope, CancelledFailure, condition, isCancellation, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ModelVersionRef } from '../../activities/registry/registry.activities.js';
import { progressQuery, recordedUpdate, type PipelineInput } from '../../domain/pipeline/messages.js';
import { parsePipelineSpec, type GateSpec, type PipelineSpec } from '../../domain/pipeline/spec.js';
import type { FailureDetail, RunStatus, RunWrite } from '../../domain/runs.js';
import { CUSTODY_STATUS } from '../../domain/search-attributes.js';
import { Changes } from './changes.js';
import { describe, endedByCancel, Rejected } from './failures.js';
import { Gates, serveGates } from './gates.js';
import { RolledBack, type Rollout } from './rollout.js';
import { createStepRunner, projection, projectionFence, projectionWriter, runWrite, type Projection } from './steps.js';
import { train } from './train.js';
import { createRollout, drawPrivacy, evaluate, registerDataset, registerModel, validate } from './work.js';

export type { PipelineInput };

export type PipelineOutcome = 'succeeded' | 'rejected' | 'rolled_back';

export interface PipelineResult {
  status: PipelineOutcome;
  /** The best trial's artifact; what a reproduction compares with the original. */
  artifactSha256?: string;
  modelVersionId?: string;
  modelVersion?: number;
  reasons: string[];
}

type StatusExtra = Partial<RunWrite>;

/**
 * One pipeline run: data → validation → training with hyperparameter search → evaluation →
 * registry → approval gates → staged deployment. Decisions live here; the work is in activities,
 * which receive and return ids and hashes only. The run's rows in Postgres are a projection this
 * workflow writes as it goes; its own state stays authoritative.
 */
export async function pipeline(input: PipelineInput): Promise<PipelineResult> {
  const { runId, submittedBy } = input;
  const { workflowId, runId: executionId } = workflowInfo();
  // How this run behaves where the pipeline changed since runs in flight began (one patch marker for new runs).
  const changes = Changes.ofThisRun();
  // Runs started before governance checks existed replay without them; new runs verify every actor.
  const verifyActors = changes.has('verify-gate-actors');
  const { runs, gates: gateChecks } = projection(changes.has('local-projection-writes'));
  // Fenced writes: a late attempt never undoes a later write. Batched: a write nothing reads yet goes with the next.
  const fence = projectionFence(changes.has('projection-fence'));
  // Runs since `steps-in-summaries` name their steps in their writes' summaries and upsert their status only when it changes.
  const summarized = changes.has('steps-in-summaries');
  const writer = projectionWriter(runs, runId, changes.has('batched-projection-writes'), summarized);
  // The submission and the resume wait until this execution is recorded (see `recordedUpdate`).
  let recorded = false;
  setHandler(recordedUpdate, () => condition(() => recorded));
  const parsed = parsePipelineSpec(input.spec);
  const spec = parsed.ok
    ? parsed.spec
    : await failOnSpec(parsed.issues, input.resume === true && changes.has('workflow-records-run'), async (failure) => {
        await writer.now(runWrite({ runId, status: 'failed', error: failure, finished: true, fence: fence() }));
        recorded = true;
      });
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
    // The UI's current details say how the run ended once it has, rather than the step it was last at.
    if (extra.finished) setCurrentDetails(`**Status:** ${next}`);
    if (!summarized || workflowInfo().typedSearchAttributes.get(CUSTODY_STATUS) !== next) upsertSearchAttributes([{ key: CUSTODY_STATUS, value: next }]);
    return runWrite({ runId, status: next, ...extra, fence: fence() });
  };
  const setStatus = async (next: RunStatus, extra: StatusExtra = {}) => await writer.now(status(next, extra));

  let modelVersion: ModelVersionRef | undefined;
  let rollout: Rollout | undefined;
  try {
    const stored = await runs.ensureRun({ runId, workflowId, spec, submittedBy, purpose: input.purpose, trigger: input.trigger, parentRunId: input.parentRunId, driftReportId: input.driftReportId });
    // The stored purpose wins over the input's: a reproduction stays one however its workflow is started again.
    const reproducing = input.purpose === 'reproduce' || (changes.has('stored-run-purpose') && stored.purpose === 'reproduce');
    // A new run's row says it runs once ensureRun wrote it; a resumed one's says so only after this write.
    const running = status('running', { currentStep: null, error: null });
    await (input.resume && changes.has('workflow-records-run') ? writer.now(running) : writer.later(running));
    recorded = true;

    const dataset = await step('register-dataset', () => registerDataset(spec, submittedBy));
    await writer.later(runWrite({ runId, status: 'running', datasetVersionId: dataset.id, fence: fence() }));
    await step('validate-data', () => validate(spec, dataset));
    // Runs started before privacy budgets existed replay without drawing from one.
    if (changes.has('privacy-budget-draw')) await drawPrivacy(spec, runId, dataset, submittedBy);
    const onProgress = (done: number, total: number) => Object.assign(progress, { trialsDone: done, trialsTotal: total });
    const training = await step('train', () => train(spec, runId, dataset, onProgress, !reproducing, changes, reproducing ? input.parentRunId : undefined));
    if (reproducing) {
      await setStatus('succeeded', { currentStep: null, finished: true });
      return await finish({ status: 'succeeded', artifactSha256: training.bestArtifactSha256, reasons: [] });
    }

    const evaluated = await step('evaluate', () => evaluate(spec, training, dataset, changes));
    const version = (modelVersion = await step('register-model', () => registerModel(spec, runId, training, dataset, evaluated)));

    const approvedBy: string[] = [];
    const gate = async (gateSpec: GateSpec) => approvedBy.push(...(await step(`gate:${gateSpec.name}`, () => passGate(gates, gateSpec, setStatus))).approvedBy);
    // A gate a release strategy names opens once its evidence is in, not here.
    const { staging, production } = spec.deployment;
    const deferred = new Set([production.shadow?.gate, production.abTest?.gate]);
    for (const gateSpec of spec.gates) if (!deferred.has(gateSpec.name)) await gate(gateSpec);

    const deployment = (rollout = createRollout(spec, runId, `${workflowId}:${executionId}`, dataset, changes));
    if (staging) await step('deploy:staging', () => deployment.staging(version, staging, approvedBy));
    const { shadow, abTest } = production;
    const gateNamed = (name: string) => spec.gates.find((g) => g.name === name)!;
    if (shadow) {
      await step('release:shadow', () => deployment.shadow(version, shadow, approvedBy));
      if (shadow.gate) await gate(gateNamed(shadow.gate));
    }
    if (abTest) {
      const test = await step('release:ab-test', () => deployment.abTest(version, abTest, approvedBy));
      // Its gate decides whenever the evidence did not: an inconclusive test, or one skipped for want of a champion.
      if (test.outcome !== 'promoted') await gate(gateNamed(abTest.gate));
    }
    await step('deploy:production', () => deployment.production(version, production, approvedBy));

    await setStatus('succeeded', { currentStep: null, finished: true });
    return await finish({ status: 'succeeded', modelVersionId: version.modelVersionId, modelVersion: version.version, reasons: [] });
  } catch (error) {
    // No decision counts once the run is ending: close any open gate before cleaning up.
    gates.close();
    const versionOf = { modelVersionId: modelVersion?.modelVersionId, modelVersion: modelVersion?.version };
    // Cleanup never stops half-way: not by a cancellation, and not when a rollback itself fails.
    const cleanUp = (why: string, next: RunStatus, failure: FailureDetail) =>
      CancellationScope.nonCancellable(async () => {
        try {
          await rollout?.rollbackAll(why);
        } finally {
          await setStatus(next, { finished: true, error: failure });
        }
      });
    if (error instanceof Rejected) {
      // A gate after a release strategy began (a shadow's, an inconclusive A/B test's) undoes what it deployed.
      await cleanUp('rejected', 'rejected', describe(error));
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

/**
 * Fails a run whose spec does not validate (started from the Temporal CLI, or stored under older rules and
 * resumed). A resumed run's record, which said it failed before, is first written as failed for this reason
 * (`record`), so it never reads as running.
 */
async function failOnSpec(issues: { path: string; message: string }[], recordIt: boolean, record: (failure: FailureDetail) => Promise<void>): Promise<never> {
  const message = `invalid pipeline spec: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`;
  if (recordIt) await record({ type: 'InvalidSpec', message, details: issues });
  throw ApplicationFailure.create({ type: 'InvalidSpec', nonRetryable: true, message, details: [issues] });
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
