import { ApplicationFailure, log, proxyActivities, proxyLocalActivities, sleep, type ActivityOptions } from '@temporalio/workflow';
import type { DataActivities, DatasetVersionRef } from '../../activities/data/data.activities.js';
import type { EvaluationActivities, EvaluationResult } from '../../activities/evaluation/evaluation.activities.js';
import type { ModelVersionRef, RegistryActivities } from '../../activities/registry/registry.activities.js';
import type { ReleaseActivities } from '../../activities/release/release.activities.js';
import { evaluationFailures } from '../../domain/pipeline/decisions.js';
import { modelNameOf, type PipelineSpec } from '../../domain/pipeline/spec.js';
import type { Changes } from './changes.js';
import { Rejected } from './failures.js';
import { Rollout } from './rollout.js';
import { LOCAL_PROJECTION_OPTIONS } from './steps.js';
import type { TrainingOutput } from './train.js';

// The work of a run, step by step: each function calls its activities with their options and judges what they
// return. Decisions about the run's life (steps, gates, clean-up) are in pipeline.ts.

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

/** A release's reads of the prediction log: a shadow report reads up to its bound of pairs and bootstraps its metrics. */
const release: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
};

const datasets = proxyActivities<DataActivities>(data);
const releases = proxyActivities<ReleaseActivities>(release);
const evaluations = proxyActivities<EvaluationActivities>(evaluation);
/**
 * Evaluation heartbeats in runs since the patch, so a worker killed mid-evaluation is noticed within a minute
 * rather than at the half-hour timeout (the fault suite found a run waiting on one); earlier runs replay as they ran.
 */
const evaluationOptions = (changes: Changes): ActivityOptions => (changes.has('evaluation-heartbeat') ? { ...evaluation, heartbeatTimeout: '1 minute' } : evaluation);
const registries = proxyActivities<RegistryActivities>(registry);
const ledger = proxyLocalActivities<DataActivities>(LOCAL_PROJECTION_OPTIONS);

export async function registerDataset(spec: PipelineSpec, actor: string): Promise<DatasetVersionRef> {
  return await datasets.registerDataset.executeWithOptions({ ...data, summary: `dataset ${spec.dataset.name}` }, [{ dataset: spec.dataset, actor }]);
}

/** What evaluation and the registry need of the spec: activities get this slice, not the whole document. */
function modelSpecOf(spec: PipelineSpec) {
  return { task: spec.task, target: spec.target, features: spec.features, split: spec.split, fairness: spec.fairness, sensitiveColumns: spec.dataset.sensitiveColumns };
}

export async function validate(spec: PipelineSpec, dataset: DatasetVersionRef) {
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
export async function drawPrivacy(spec: PipelineSpec, runId: string, dataset: DatasetVersionRef, actor: string) {
  const privacy = spec.training.privacy;
  const request = privacy ? { epsilon: privacy.epsilon, delta: privacy.delta } : undefined;
  return await ledger.drawPrivacyBudget({ runId, datasetVersionId: dataset.id, privacy: request, actor });
}

/** Scores the best trial on the test split (and the champion on the same rows); rejects it when it may not be released. */
export async function evaluate(spec: PipelineSpec, training: TrainingOutput, dataset: DatasetVersionRef, changes: Changes): Promise<EvaluationResult> {
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

export async function registerModel(spec: PipelineSpec, runId: string, training: TrainingOutput, dataset: DatasetVersionRef, evaluated: EvaluationResult): Promise<ModelVersionRef> {
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
      // Runs evaluated before explanations have none to pass.
      ...(evaluated.explanations ? { explanations: evaluated.explanations } : {}),
      spec: modelSpecOf(spec),
    },
  ]);
}

export function createRollout(spec: PipelineSpec, runId: string, executionKey: string, dataset: DatasetVersionRef, changes: Changes): Rollout {
  return new Rollout({
    runId,
    executionKey,
    modelSpec: modelSpecOf(spec),
    datasetVersionId: dataset.id,
    thresholds: spec.evaluation.thresholds,
    primaryMetric: spec.evaluation.primaryMetric,
    actions: {
      deploy: (request, summary) => registries.deploy.executeWithOptions({ ...registry, summary }, [request]),
      rollback: (request, summary) => {
        log.info('rolling back', { stage: request.stage, summary });
        return registries.rollback.executeWithOptions({ ...registry, summary }, [request]);
      },
      check: (request, summary) => evaluations.checkStage.executeWithOptions({ ...evaluationOptions(changes), summary }, [request]),
      sleep: (ms) => sleep(ms),
      release: {
        start: (request, summary) => releases.startRelease.executeWithOptions({ ...release, summary }, [request]),
        reportShadow: (request, summary) => releases.reportShadow.executeWithOptions({ ...release, summary }, [request]),
        lookAtAbTest: (request, summary) => releases.lookAtAbTest.executeWithOptions({ ...release, summary }, [request]),
        finish: (request, summary) => releases.finishRelease.executeWithOptions({ ...release, summary }, [request]),
        now: () => Date.now(),
      },
    },
  });
}
