import { createHash } from 'node:crypto';
import { activityInfo, CancelledFailure, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import { CUSTODY_VERSION } from '../../paths.js';
import type { Params } from '../../domain/pipeline/search.js';
import type { PrivacyReport } from '../../domain/evaluation/reports.js';
import { featureSectionOf, type PipelineSpec, type TrainerName } from '../../domain/pipeline/spec.js';
import type { FeatureDecision } from '../../ml/features/pipeline.js';
import { classificationMetrics, regressionMetrics } from '../../ml/metrics.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { CommandTrainerError, commandCodeVersion, trainWithCommand } from '../../ml/command/trainer.js';
import { loadRows, sampleRows, splitRows } from '../../ml/trainers/dataset-table.js';
import { captureEnvironment, environmentHash, LockfileError } from './environment.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { ENGINE, type CommandModelArtifact, type OnnxModelArtifact } from '../../ml/artifact.js';
import { inspectOnnx, OnnxImportError, type InspectedOnnx } from '../../ml/onnx/inspect.js';
import { metricsOf, predictRows } from '../../ml/predict.js';
import type { ColumnKind } from '../../domain/data/profile.js';
import { resolveModelInputs, splitOptionsOf } from './model-inputs.js';
import { siblingModule, ThreadPool } from '../threads.js';
import type { ThreadResult, TrainJob, TrainMessage } from '../../ml/trainers/job.js';

export interface TrainCandidateInput {
  runId: string;
  trialIndex: number;
  datasetVersionId: string;
  spec: Pick<PipelineSpec, 'task' | 'target' | 'features' | 'split' | 'training'> & { fairness?: PipelineSpec['fairness'] };
  /** The trial's trainer and command; runs from before `training.candidates` carry them in the spec only. */
  trainer?: TrainerName;
  command?: string[];
  params: Params;
  /** Reuse an identical earlier trial's artifact (true when omitted); a reproduction trains afresh. */
  reuse?: boolean;
  /** Successive halving: train on this share of the training rows (a seeded sample); all rows when omitted. */
  sampleFraction?: number;
}

export interface TrialResult {
  trialId: string;
  trialIndex: number;
  metrics: Record<string, number>;
  artifactSha256: string;
  /** Set when an earlier identical trial's artifact was reused instead of training again. */
  reusedFromTrialId: string | null;
}

/** What a heartbeat carries, so a retry after a worker crash resumes instead of training again. */
interface TrainingProgress {
  stage: 'training' | 'stored';
  elapsedMs?: number;
  artifactSha256?: string;
  metrics?: Record<string, number>;
  featureDecisions?: FeatureDecision[];
  privacy?: PrivacyReport;
}

/**
 * The process's training threads, started when first needed: one per core, each kept for many trials (a fresh
 * thread costs more start-up than a small trial's training), and renewed now and then so no heap lives long.
 */
let trainThreads: ThreadPool<ThreadResult> | undefined;
const trainingPool = () => (trainThreads ??= new ThreadPool<ThreadResult>(siblingModule(import.meta.url, 'train-thread'), { name: 'training', jobsPerThread: 200 }));

export function createTrainingActivities({ repos, store }: { repos: Repositories; store: ArtifactStore }) {
  return {
    /**
     * Trains one hyperparameter candidate and scores it on the validation split. Content-addressed
     * caching: when an earlier successful trial had the same cache key (dataset hash, split, trainer,
     * params, seed and code version), its artifact is reused and the trial says so.
     */
    async trainCandidate(input: TrainCandidateInput): Promise<TrialResult> {
      const { spec, params } = input;
      const trainer = input.trainer ?? spec.training.trainer!;
      const command = input.trainer ? input.command : spec.training.command;
      const { version, features } = await resolveModelInputs(repos, input.datasetVersionId, spec);
      const captured = await captureEnvironment(command, spec.training.environment?.lockfile, spec.training.environment?.variables).catch((error: Error) => {
        // A missing lock file is bad input; a probe that failed (a busy machine, say) is worth another try.
        if (error instanceof LockfileError) throw permanentFailure(FailureType.BadInput, `trial ${input.trialIndex}: the environment could not be read: ${error.message}`);
        throw new Error(`trial ${input.trialIndex}: the environment could not be read: ${error.message}`);
      });
      const imported = trainer === 'imported' ? await importedModel(store, spec, version.columns) : null;
      const environment = imported ? { ...captured, imported: imported.environment } : captured;
      const featureSection = featureSectionOf(spec);
      const codeVersion = command ? `custody@${CUSTODY_VERSION}+${await commandCodeVersion(command)}` : `custody@${CUSTODY_VERSION}+${ENGINE}`;
      const job: TrainJob = {
        datasetSha256: version.sha256,
        format: version.format,
        task: spec.task,
        target: spec.target,
        features,
        ...(featureSection ? { featureSection } : {}),
        split: splitOptionsOf(spec),
        trainer,
        command,
        ...(imported ? { model: spec.training.model } : {}),
        ...(command && spec.training.environment?.variables?.length ? { variables: spec.training.environment.variables } : {}),
        params,
        seed: spec.training.seed,
        codeVersion,
        environment: environmentHash(environment),
        ...(input.sampleFraction !== undefined && input.sampleFraction < 1 ? { sampleFraction: input.sampleFraction } : {}),
        ...(spec.training.privacy && trainer === 'logistic-regression' ? { privacy: spec.training.privacy } : {}),
      };
      const cacheKey = createHash('sha256').update(canonicalJson(job)).digest('hex');
      const info = activityInfo();
      const trial = await repos.trials.start({ runId: input.runId, index: input.trialIndex, trainer: job.trainer, params, cacheKey, codeVersion, attempt: info.attempt, sampleFraction: job.sampleFraction ?? 1, environment });
      const done = async (artifactSha256: string, metrics: Record<string, number>, reusedFromTrialId: string | null, featureDecisions?: FeatureDecision[] | null, privacy?: PrivacyReport | null): Promise<TrialResult> => {
        await repos.trials.succeed(trial.id, { metrics, artifactSha256, reusedFromTrialId, featureDecisions: featureDecisions ?? null, privacy: privacy ?? null });
        return { trialId: trial.id, trialIndex: input.trialIndex, metrics, artifactSha256, reusedFromTrialId };
      };

      const cached = input.reuse === false ? null : await repos.trials.findCached(cacheKey, trial.id);
      if (cached && (await store.has(cached.artifactSha256!))) {
        log.info('reusing the artifact of an identical earlier trial', { trialId: cached.id, cacheKey });
        return await done(cached.artifactSha256!, cached.metrics ?? {}, cached.reusedFromTrialId ?? cached.id, cached.featureDecisions, cached.privacy);
      }
      const resumed = info.heartbeatDetails as TrainingProgress | undefined;
      if (resumed?.stage === 'stored' && resumed.artifactSha256 && resumed.metrics && (await store.has(resumed.artifactSha256))) {
        log.info('resuming from the heartbeat of a previous attempt: the artifact is already stored');
        return await done(resumed.artifactSha256, resumed.metrics, null, resumed.featureDecisions, resumed.privacy);
      }

      const started = Date.now();
      const beat = () => heartbeat({ stage: 'training', elapsedMs: Date.now() - started } satisfies TrainingProgress);
      beat();
      let artifactJson: string;
      let metrics: Record<string, number>;
      let featureDecisions: FeatureDecision[] | undefined;
      let privacy: PrivacyReport | undefined;
      try {
        if (imported) {
          ({ artifactJson, metrics } = await validateImported(job, store, imported.inspected));
        } else if (job.trainer === 'command') {
          const ticker = setInterval(beat, 2000);
          try {
            ({ artifactJson, metrics } = await trainByCommand(job, store, beat));
          } finally {
            clearInterval(ticker);
          }
        } else {
          const ticker = setInterval(beat, 2000);
          try {
            const result = await store.withLocalFile(version.sha256, (datasetPath) => trainingPool().run(() => ({ message: { job, datasetPath } satisfies TrainMessage }), cancellationSignal()));
            if (!result.ok) {
              if (!result.retryable) {
                const type = result.errorType === 'DataFormatError' ? FailureType.DataFormat : FailureType.TrainerParams;
                throw permanentFailure(type, `trial ${input.trialIndex}: ${result.message}`);
              }
              throw new Error(`trial ${input.trialIndex}: ${result.message}`);
            }
            ({ artifactJson, metrics, featureDecisions, privacy } = result);
          } finally {
            clearInterval(ticker);
          }
        }
      } catch (error) {
        const cancelled = cancellationSignal().aborted;
        // Recording the failure must not replace it: with the database away, a cancellation would become that error.
        await repos.trials.fail(trial.id, cancelled ? 'cancelled' : 'failed', (error as Error).message).catch((recording: Error) => {
          log.warn('could not record the trial as ended', { trialId: trial.id, error: recording.message });
          if (!cancelled) throw recording;
        });
        // A trainer stopped because the run was cancelled fails as it stops (a killed command, an aborted thread):
        // report the cancellation, so the run ends cancelled, not failed.
        // (The signal's own reason: a cancellation, a timeout or a shutdown, as the SDK would have raised it.)
        if (cancelled) throw cancellationSignal().reason instanceof CancelledFailure ? cancellationSignal().reason : new CancelledFailure(`trial ${input.trialIndex} was cancelled`);
        if (error instanceof CommandTrainerError && !error.retryable) throw permanentFailure(FailureType.CommandTrainer, `trial ${input.trialIndex}: ${error.message}`);
        throw error;
      }
      const stored = await store.putBytes(Buffer.from(artifactJson));
      heartbeat({ stage: 'stored', artifactSha256: stored.sha256, metrics, featureDecisions, privacy } satisfies TrainingProgress);
      return await done(stored.sha256, metrics, null, featureDecisions, privacy);
    },
  };
}

async function trainByCommand(job: TrainJob, store: ArtifactStore, beat: () => void): Promise<{ artifactJson: string; metrics: Record<string, number> }> {
  const rows = await store.withLocalFile(job.datasetSha256, (file) => loadRows(file, job.format, [...job.features.map((f) => f.name), job.target], job.target));
  const { train: all, validation } = splitRows(rows, job.target, job.split);
  const train = job.sampleFraction ? sampleRows(all, job.sampleFraction, job.seed) : all;
  const scored = validation.length > 0 ? validation : train;
  const { modelBytes, predictions, extraMetrics } = await trainWithCommand(job, { train, predict: scored }, { signal: cancellationSignal(), onTick: beat, variables: job.variables });
  const model = await store.putBytes(modelBytes);
  const classes = job.task === 'classification' ? [...new Set(train.map((r) => String(r[job.target])))].sort() : undefined;
  const artifact: CommandModelArtifact = {
    format: 'custody-model/v1',
    kind: 'command',
    command: job.command!,
    modelSha256: model.sha256,
    task: job.task,
    target: job.target,
    features: job.features,
    classes: predictions.classes ?? classes,
    params: job.params,
    seed: job.seed,
    ...(job.variables ? { variables: job.variables } : {}),
  };
  const metrics =
    job.task === 'classification'
      ? classificationMetrics(scored.map((r) => String(r[job.target])), predictions)
      : regressionMetrics(scored.map((r) => Number(r[job.target])), predictions.values.map(Number));
  return { artifactJson: canonicalJson(artifact), metrics: { ...extraMetrics, ...(metrics as Record<string, number>) } };
}

/**
 * An imported model's ONNX file, read from the store and checked against the dataset's columns: refused for good,
 * naming every mismatch, when it cannot be imported.
 */
async function importedModel(store: ArtifactStore, spec: Pick<PipelineSpec, 'training' | 'target' | 'task'>, columns: { name: string; kind: ColumnKind }[]) {
  const sha256 = spec.training.model!;
  if (!(await store.has(sha256))) throw permanentFailure(FailureType.BadInput, `training.model: no ONNX file ${sha256} has been imported (POST /v1/models/{name}/import puts it in the store)`);
  let inspected: InspectedOnnx;
  try {
    inspected = inspectOnnx(await store.read(sha256), columns, spec.target);
  } catch (error) {
    if (error instanceof OnnxImportError) throw permanentFailure(FailureType.BadInput, `training.model: the ONNX file cannot be imported: ${error.message}`);
    throw error;
  }
  if (inspected.task !== spec.task) throw permanentFailure(FailureType.BadInput, `task: the ONNX file is a ${inspected.task} model, but the spec's task is ${spec.task}`);
  const environment = { sha256, producer: inspected.producer.name, producerVersion: inspected.producer.version, opset: inspected.opset };
  return { inspected, environment };
}

/** An imported model's artifact, and its metrics on the validation split, as a trained candidate has them. */
async function validateImported(job: TrainJob, store: ArtifactStore, inspected: InspectedOnnx): Promise<{ artifactJson: string; metrics: Record<string, number> }> {
  const features = inspected.inputs.map(({ name, kind }) => ({ name, kind }));
  const rows = await store.withLocalFile(job.datasetSha256, (file) => loadRows(file, job.format, [...features.map((f) => f.name), job.target], job.target));
  const { train, validation } = splitRows(rows, job.target, job.split);
  const scored = validation.length > 0 ? validation : train;
  const artifact: OnnxModelArtifact = {
    format: 'custody-model/v1',
    kind: 'onnx',
    modelSha256: job.model!,
    task: inspected.task,
    target: job.target,
    features,
    inputs: inspected.inputs.map(({ name, type, rank }) => ({ name, type, rank })),
    outputs: inspected.outputs,
    ...(inspected.classes ? { classes: inspected.classes } : {}),
    producer: inspected.producer,
    params: {},
    seed: job.seed,
  };
  const metrics = metricsOf(artifact, scored, await predictRows(store, artifact, scored, cancellationSignal()));
  return { artifactJson: canonicalJson(artifact), metrics: metrics as Record<string, number> };
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;

/** The activities the training pool serves (on `<queue>-training`); every other activity is orchestration's. */
export const TRAINING_ACTIVITY_NAMES: readonly (keyof TrainingActivities)[] = ['trainCandidate'];
