import { createHash } from 'node:crypto';
import { activityInfo, CancelledFailure, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import type { TrialOutcome } from '../../db/repositories/trials.js';
import type { TrialRow } from '../../db/schema/index.js';
import { medianCurve, pruneRound, type Pruning } from '../../domain/pipeline/pruning.js';
import { CUSTODY_VERSION } from '../../paths.js';
import { candidateOf, type Params } from '../../domain/pipeline/search.js';
import { isBetter } from '../../domain/pipeline/decisions.js';
import type { PrivacyReport } from '../../domain/evaluation/reports.js';
import { featureSectionOf, trainingCandidates, type MetricName, type PipelineSpec, type TrainerName } from '../../domain/pipeline/spec.js';
import type { FeatureDecision } from '../../ml/features/pipeline.js';
import { classificationMetrics, regressionMetrics } from '../../ml/metrics.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { CommandTrainerError, commandCodeVersion, trainWithCommand } from '../../ml/command/trainer.js';
import { loadRows, sampleRows, splitRows } from '../../ml/trainers/dataset-table.js';
import { captureEnvironment, environmentHash, LockfileError } from './environment.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { ARTIFACT_REVISION, ENGINE, type CommandModelArtifact, type OnnxModelArtifact } from '../../ml/artifact.js';
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
  /** Median pruning (boosted trees): the warm-up, and this run's trials whose learning curves give the medians. */
  pruning?: { warmupRounds: number; medianOf: number[] };
  /** Warm start: the earlier run's trial whose configuration this one retries. */
  seededFromTrialId?: string;
}

export interface TrialResult {
  trialId: string;
  trialIndex: number;
  metrics: Record<string, number>;
  artifactSha256: string;
  /** Set when an earlier identical trial's artifact was reused instead of training again. */
  reusedFromTrialId: string | null;
  /** The round pruning stopped the trial at; absent when it ran to the end. */
  prunedAtRound?: number;
}

/** What a heartbeat carries, so a retry after a worker crash resumes instead of training again. */
interface TrainingProgress {
  stage: 'training' | 'stored';
  elapsedMs?: number;
  outcome?: TrialOutcome;
}

/**
 * The process's training threads, started when first needed: one per core, each kept for many trials (a fresh
 * thread costs more start-up than a small trial's training), and renewed now and then so no heap lives long.
 */
let trainThreads: ThreadPool<ThreadResult> | undefined;
const trainingPool = () => (trainThreads ??= new ThreadPool<ThreadResult>(siblingModule(import.meta.url, 'train-thread'), { name: 'training', jobsPerThread: 200 }));

export function createTrainingActivities({ repos, store }: { repos: Repositories; store: ArtifactStore }) {
  return {
    /** Warm start: the earlier runs' best configurations this search begins with (see `warmStartTrials`). */
    async warmStartTrials(input: WarmStartInput): Promise<WarmStartTrial[]> {
      return await warmStartTrials(repos, input);
    },
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
        revision: ARTIFACT_REVISION,
        environment: environmentHash(environment),
        ...(input.sampleFraction !== undefined && input.sampleFraction < 1 ? { sampleFraction: input.sampleFraction } : {}),
        ...(spec.training.privacy && trainer === 'logistic-regression' ? { privacy: spec.training.privacy } : {}),
      };
      // Pruning is left out of the key: a cached trial is reused when these medians would stop it where it stopped.
      const cacheKey = createHash('sha256').update(canonicalJson(job)).digest('hex');
      const pruning = input.pruning && trainer === 'gradient-boosting' ? { warmupRounds: input.pruning.warmupRounds, medians: medianCurve(await repos.trials.curves(input.runId, input.pruning.medianOf)) } : undefined;
      const info = activityInfo();
      const trial = await repos.trials.start({ runId: input.runId, index: input.trialIndex, trainer: job.trainer, params, cacheKey, codeVersion, attempt: info.attempt, sampleFraction: job.sampleFraction ?? 1, environment, seededFromTrialId: input.seededFromTrialId ?? null });
      const done = async (outcome: TrialOutcome): Promise<TrialResult> => {
        await repos.trials.succeed(trial.id, outcome);
        const { metrics, artifactSha256, reusedFromTrialId, prunedAtRound } = outcome;
        return { trialId: trial.id, trialIndex: input.trialIndex, metrics, artifactSha256, reusedFromTrialId: reusedFromTrialId ?? null, ...(prunedAtRound ? { prunedAtRound } : {}) };
      };

      const cached = input.reuse === false ? undefined : (await repos.trials.findCached(cacheKey, trial.id)).find((row) => reusableUnder(row, pruning));
      if (cached && (await store.has(cached.artifactSha256!))) {
        log.info('reusing the artifact of an identical earlier trial', { trialId: cached.id, cacheKey });
        const { artifactSha256, metrics, featureDecisions, privacy, learningCurve, prunedAtRound } = cached;
        return await done({ artifactSha256: artifactSha256!, metrics: metrics ?? {}, reusedFromTrialId: cached.reusedFromTrialId ?? cached.id, featureDecisions, privacy, learningCurve, prunedAtRound });
      }
      const resumed = storedOutcome(info.heartbeatDetails);
      if (resumed && (await store.has(resumed.artifactSha256))) {
        log.info('resuming from the heartbeat of a previous attempt: the artifact is already stored');
        return await done({ ...resumed, reusedFromTrialId: null });
      }

      const started = Date.now();
      const beat = () => heartbeat({ stage: 'training', elapsedMs: Date.now() - started } satisfies TrainingProgress);
      beat();
      let artifactJson: string;
      let metrics: Record<string, number>;
      let featureDecisions: FeatureDecision[] | undefined;
      let privacy: PrivacyReport | undefined;
      let learningCurve: number[] | undefined;
      let prunedAtRound: number | undefined;
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
            const message: TrainMessage = { job: pruning ? { ...job, pruning } : job, datasetPath: '' };
            const result = await store.withLocalFile(version.sha256, (datasetPath) => trainingPool().run(() => ({ message: { ...message, datasetPath } }), cancellationSignal()));
            if (!result.ok) {
              if (!result.retryable) {
                const type = result.errorType === 'DataFormatError' ? FailureType.DataFormat : FailureType.TrainerParams;
                throw permanentFailure(type, `trial ${input.trialIndex}: ${result.message}`);
              }
              throw new Error(`trial ${input.trialIndex}: ${result.message}`);
            }
            ({ artifactJson, metrics, featureDecisions, privacy, learningCurve, prunedAtRound } = result);
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
      const outcome: TrialOutcome = { artifactSha256: stored.sha256, metrics, featureDecisions, privacy, learningCurve, prunedAtRound };
      heartbeat({ stage: 'stored', outcome } satisfies TrainingProgress);
      return await done(outcome);
    },
  };
}

/** A previous attempt's stored outcome from its heartbeat: today's shape, or the one before learning curves (its fields at the top). */
function storedOutcome(details: unknown): TrialOutcome | null {
  const progress = details as (TrainingProgress & Partial<TrialOutcome>) | undefined;
  if (progress?.stage !== 'stored') return null;
  if (progress.outcome) return progress.outcome;
  const { artifactSha256, metrics, featureDecisions, privacy } = progress;
  return artifactSha256 && metrics ? { artifactSha256, metrics, featureDecisions, privacy } : null;
}

/**
 * Whether a cached trial's artifact is what this trial would train: unpruned when this one is not pruned; with
 * pruning, only when its stored curve stops under these medians exactly where it stopped (training is deterministic,
 * so the curve is the same).
 */
function reusableUnder(row: TrialRow, pruning: Pruning | undefined): boolean {
  // Before there are medians nothing is pruned, so any trial that ran to its end will do (with or without a curve).
  if (!pruning || pruning.medians.length === 0) return row.prunedAtRound === null;
  return row.learningCurve !== null && pruneRound(row.learningCurve, pruning) === row.prunedAtRound;
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

export interface WarmStartInput {
  runId: string;
  modelName: string;
  datasetName: string;
  training: PipelineSpec['training'];
  metric: MetricName;
  /** How many configurations to begin with, at most. */
  count: number;
  /** A reproduction's original run: begin exactly where it began, whatever ran since. */
  reproduces?: string;
}

/** An earlier run's trial to begin a search with: its configuration, which candidate it is, and where it came from. */
export interface WarmStartTrial {
  trialId: string;
  candidate: number;
  trainer: TrainerName;
  params: Params;
}

/**
 * The best distinct configurations of a model's earlier runs on the same dataset name that fit this search's
 * candidates: what a tpe search with `warmStart` begins with. Read-only, so a retry gives the same answer until
 * another run finishes.
 */
export async function warmStartTrials(repos: Repositories, input: WarmStartInput): Promise<WarmStartTrial[]> {
  if (input.reproduces) {
    const original = (await repos.trials.ofRuns([input.reproduces])).filter((t) => t.seededFromTrialId !== null).sort((a, b) => a.index - b.index);
    return original.map((t) => ({ trialId: t.seededFromTrialId!, candidate: candidateOf(input.training, t) ?? 0, trainer: t.trainer as TrainerName, params: t.params as Params }));
  }
  const trainers = [...new Set(trainingCandidates(input.training).map((c) => c.trainer))];
  const rows = await repos.trials.ofEarlierRuns({ modelName: input.modelName, datasetName: input.datasetName, exceptRunId: input.runId, trainers, limit: 2000 });
  const scored = rows.filter((row) => typeof row.metrics?.[input.metric] === 'number' && Number.isFinite(row.metrics[input.metric]));
  scored.sort((a, b) => (isBetter(input.metric, a.metrics![input.metric]!, b.metrics![input.metric]!) ? -1 : isBetter(input.metric, b.metrics![input.metric]!, a.metrics![input.metric]!) ? 1 : 0));
  const out: WarmStartTrial[] = [];
  const seen = new Set<string>();
  for (const row of scored) {
    const candidate = candidateOf(input.training, row);
    const key = canonicalJson({ trainer: row.trainer, params: row.params });
    if (candidate === null || seen.has(key)) continue;
    seen.add(key);
    out.push({ trialId: row.id, candidate, trainer: row.trainer as TrainerName, params: row.params as Params });
    if (out.length >= input.count) break;
  }
  return out;
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;

/** The activities the training pool serves (on `<queue>-training`); every other activity is orchestration's. */
export const TRAINING_ACTIVITY_NAMES: readonly (keyof TrainingActivities)[] = ['trainCandidate'];
