import { parentPort } from 'node:worker_threads';
import type { BuiltInTrainer } from '../../domain/pipeline/spec.js';
import { FeatureSpecError } from '../../ml/features/pipeline.js';
import { DataFormatError } from '../../storage/read-rows.js';
import { classificationMetrics, regressionMetrics } from '../../ml/metrics.js';
import { predictBuiltIn, trainBuiltIn } from '../../ml/trainers/built-in.js';
import { TrainerParamError } from '../../ml/trainers/params.js';
import { loadRows, sampleRows, splitRows } from '../../ml/trainers/dataset-table.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import type { PrivacyReport } from '../../ml/privacy/dp-sgd.js';
import type { ThreadResult, TrainJob, TrainMessage } from '../../ml/trainers/job.js';
import { stopsAt, type Pruning } from '../../domain/pipeline/pruning.js';
import type { Row } from '../../storage/read-rows.js';

/**
 * A thread of the training pool: trains one built-in candidate a message and scores it on the validation
 * split. Training is synchronous CPU work; in a thread it leaves the activity free to heartbeat, and to stop
 * the thread on cancellation. The thread stays for the next trial, so a trial pays no start-up.
 */
async function train(job: TrainJob, datasetPath: string): Promise<ThreadResult> {
  try {
    const columns = [...job.features.map((f) => f.name), job.target];
    const rows = await loadRows(datasetPath, job.format, columns, job.target);
    const { train: all, validation } = splitRows(rows, job.target, job.split);
    const train = job.sampleFraction ? sampleRows(all, job.sampleFraction, job.seed) : all;
    if (train.length === 0) throw new DataFormatError('the training split is empty; the dataset has too few rows');
    const scored = validation.length > 0 ? validation : train;
    const watched = job.pruning && job.trainer === 'gradient-boosting' ? watch(scored, job.pruning) : undefined;
    const artifact = trainBuiltIn({ trainer: job.trainer as BuiltInTrainer, task: job.task, rows: train, target: job.target, features: job.features, params: job.params, seed: job.seed, featureSection: job.featureSection, privacy: job.privacy, watch: watched?.watch });
    const predictions = predictBuiltIn(artifact, scored);
    const metrics =
      job.task === 'classification'
        ? classificationMetrics(scored.map((r) => String(r[job.target])), predictions)
        : regressionMetrics(scored.map((r) => Number(r[job.target])), predictions.values.map(Number));
    const privacy = (artifact.report as { privacy?: PrivacyReport }).privacy;
    return {
      ok: true,
      artifactJson: canonicalJson(artifact),
      metrics: metrics as Record<string, number>,
      featureDecisions: artifact.featurePipeline?.decisions,
      ...(privacy ? { privacy } : {}),
      ...(watched ? { learningCurve: watched.curve, ...(watched.stopped() ? { prunedAtRound: watched.curve.length } : {}) } : {}),
    };
  } catch (error) {
    const permanent = error instanceof TrainerParamError || error instanceof DataFormatError || error instanceof FeatureSpecError;
    return { ok: false, errorType: (error as Error).name, message: (error as Error).message, retryable: !permanent };
  }
}

/**
 * The validation loss after every round, to ten significant digits (as stored, so a cached trial's curve decides its
 * reuse exactly as it decided its stop), and the stop once it is worse than the median.
 */
function watch(rows: Row[], pruning: Pruning) {
  const curve: number[] = [];
  let stopped = false;
  let best = Number.POSITIVE_INFINITY;
  const onLoss = (round: number, loss: number): 'continue' | 'stop' => {
    const kept = Number(loss.toPrecision(10));
    curve.push(kept);
    best = Math.min(best, kept);
    stopped = stopsAt(round, best, pruning);
    return stopped ? 'stop' : 'continue';
  };
  return { curve, stopped: () => stopped, watch: { rows, onLoss } };
}

parentPort!.on('message', (message: TrainMessage) => {
  void train(message.job, message.datasetPath).then((reply) => parentPort!.postMessage({ reply }));
});
