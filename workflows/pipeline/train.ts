import { ActivityCancellationType, isCancellation, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { trainingTaskQueue } from '../../domain/task-queues.js';
import type { DatasetVersionRef } from '../../activities/data/data.activities.js';
import type { TrainCandidateInput, TrainingActivities, TrialResult } from '../../activities/training/training.activities.js';
import { bestIndex, type Metrics } from '../../domain/pipeline/decisions.js';
import { proposeTrial, searchPlan, searchTrials, type SearchedTrial, type TrialPlan } from '../../domain/pipeline/search.js';
import { durationMs, LOWER_IS_BETTER, modelNameOf, trainingCandidates, type MetricName, type PipelineSpec } from '../../domain/pipeline/spec.js';
import { TPE_SETTINGS } from '../../domain/pipeline/tpe.js';
import { DEFAULT_WARMUP_ROUNDS } from '../../domain/pipeline/pruning.js';
import type { Changes } from './changes.js';

export interface TrainingOutput {
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
export async function train(
  spec: PipelineSpec,
  runId: string,
  dataset: DatasetVersionRef,
  onProgress: (done: number, total: number) => void,
  reuse: boolean,
  changes: Changes,
  /** A reproduction's original run: a warm start begins from the configurations that run began from. */
  reproduces?: string,
): Promise<TrainingOutput> {
  // Trials run on the training pool's queue (or the spec's own); runs begun before the pools existed keep theirs.
  const taskQueue = changes.has('training-task-queue') ? (spec.training.taskQueue ?? trainingTaskQueue(workflowInfo().taskQueue)) : undefined;
  const options: ActivityOptions = {
    ...(taskQueue ? { taskQueue } : {}),
    startToCloseTimeout: durationMs(spec.training.timeout),
    heartbeatTimeout: durationMs(spec.training.heartbeatTimeout),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // Six attempts over about a minute: a trainer's own faults are classified and not retried, so the retries go to
    // what passes (a worker killed, the database or Temporal away for seconds), as the fault suite showed three did not.
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 6, nonRetryableErrorTypes: ['TrainerParams', 'CommandTrainer', 'BadInput', 'DataFormat'] },
  };
  const { trainCandidate } = proxyActivities<TrainingActivities>(options);
  const { search } = spec.training;
  const { plans, rungs, total } = searchPlan(spec, dataset.rowCount);
  let done = 0;
  let nextIndex = 0;
  onProgress(0, total);
  const trainOne = async (plan: TrialPlan, index: number, fraction: number, extra: TrialExtras = {}): Promise<TrialResult> => {
    const share = fraction < 1 ? ` on ${Number((fraction * 100).toPrecision(3))}% of the rows` : '';
    const seeded = extra.seededFromTrialId ? ' (warm start)' : '';
    try {
      return await trainCandidate.executeWithOptions({ ...options, summary: `trial ${index}: ${plan.trainer} ${JSON.stringify(plan.params)}${share}${seeded}` }, [
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
          ...extra,
        },
      ]);
    } finally {
      onProgress(++done, total);
    }
  };
  // tpe, and any search that prunes, go batch by batch: each batch is proposed (or pruned) from the ones before it.
  // Runs begun before these strategies have neither field, so they take the path below as they always did.
  if (search.strategy === 'tpe' || search.pruning === 'median') return await searchAdaptively(spec, runId, dataset, total, trainOne, reproduces);
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

type TrialExtras = Pick<TrainCandidateInput, 'pruning' | 'seededFromTrialId'>;
type TrainOne = (plan: TrialPlan, index: number, fraction: number, extra?: TrialExtras) => Promise<TrialResult>;

/** Warm start's read of earlier runs: a short query on the orchestration queue. */
const warmStart = proxyActivities<TrainingActivities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 } });

/**
 * A search in batches of `parallelism`: tpe proposes each trial from every finished one (and the rest of its batch as
 * the worst, the constant liar), after beginning with the earlier runs' best when it warm-starts; random takes its
 * drawn plans in order. With median pruning, every trial is given the trials whose learning curves set the medians.
 * The whole search is a function of the seed and the trials' results, so a replay or a resume proposes the same.
 */
async function searchAdaptively(spec: PipelineSpec, runId: string, dataset: DatasetVersionRef, total: number, trainOne: TrainOne, reproduces?: string): Promise<TrainingOutput> {
  const { training, evaluation } = spec;
  const { search } = training;
  const drawn = search.strategy === 'tpe' ? [] : searchTrials(training);
  const seeds = search.warmStart
    ? await warmStart.warmStartTrials.executeWithOptions({ startToCloseTimeout: '1 minute', summary: `warm start from earlier runs of ${modelNameOf(spec)}` }, [
        { runId, modelName: modelNameOf(spec), datasetName: dataset.name, training, metric: evaluation.primaryMetric, count: Math.min(TPE_SETTINGS.startupTrials, Math.ceil(total / 2)), ...(reproduces ? { reproduces } : {}) },
      ])
    : [];
  const finished: SearchedTrial[] = [];
  const results: TrialResult[] = [];
  const curved: number[] = [];
  let firstFailure: unknown;
  for (let index = 0; index < total; ) {
    const batch: (Pick<SearchedTrial, 'plan' | 'candidate'> & { seededFromTrialId?: string })[] = [];
    for (let j = 0; j < Math.min(search.parallelism, total - index); j++) {
      const seed = seeds[index + j];
      if (seed) batch.push({ plan: { trainer: seed.trainer, params: seed.params, ...commandOf(training, seed.candidate) }, candidate: seed.candidate, seededFromTrialId: seed.trialId });
      else batch.push(search.strategy === 'tpe' ? proposeTrial(training, finished, batch, index + j, seeds.length) : { plan: drawn[index + j]!, candidate: 0 });
    }
    const pruning = search.pruning === 'median' ? { warmupRounds: search.warmupRounds ?? DEFAULT_WARMUP_ROUNDS, medianOf: [...curved] } : undefined;
    const settled = await Promise.allSettled(batch.map((t, j) => trainOne(t.plan, index + j, 1, { ...(pruning ? { pruning } : {}), ...(t.seededFromTrialId ? { seededFromTrialId: t.seededFromTrialId } : {}) })));
    const cancelled = settled.find((s) => s.status === 'rejected' && isCancellation(s.reason));
    if (cancelled) throw (cancelled as PromiseRejectedResult).reason;
    settled.forEach((outcome, j) => {
      if (outcome.status === 'rejected') return void (firstFailure ??= outcome.reason);
      const result = outcome.value;
      results.push(result);
      finished.push({ ...batch[j]!, loss: lossOf(result.metrics, evaluation.primaryMetric), ...(result.prunedAtRound ? { prunedAtRound: result.prunedAtRound } : {}) });
      if (batch[j]!.plan.trainer === 'gradient-boosting' && !result.prunedAtRound) curved.push(result.trialIndex);
    });
    index += batch.length;
  }
  if (results.length === 0) throw firstFailure;
  // A pruned trial's model stopped early on purpose: the best is chosen among the trials that ran to their end.
  const complete = results.filter((r) => !r.prunedAtRound);
  const best = rank(complete.length > 0 ? complete : results, evaluation.primaryMetric)[0]!;
  const succeeded = results.length;
  return {
    bestTrialId: best.trialId,
    bestTrialIndex: best.trialIndex,
    bestArtifactSha256: best.artifactSha256,
    bestMetrics: best.metrics,
    succeeded,
    failed: total - succeeded,
    reused: results.filter((r) => r.reusedFromTrialId).length,
  };
}

/** Lower is better: the primary metric, negated when higher is better; a trial without it counts as the worst. */
function lossOf(metrics: Metrics, metric: MetricName): number {
  const value = metrics[metric];
  if (typeof value !== 'number' || !Number.isFinite(value)) return Number.POSITIVE_INFINITY;
  return LOWER_IS_BETTER.has(metric) ? value : -value;
}

function commandOf(training: PipelineSpec['training'], candidate: number): { command?: string[] } {
  const command = trainingCandidates(training)[candidate]?.command;
  return command ? { command } : {};
}

/** Trials best first on `metric` (the earlier trial first on ties, so the choice is deterministic). */
function rank(trials: TrialResult[], metric: MetricName): TrialResult[] {
  const order: TrialResult[] = [];
  const left = [...trials];
  while (left.length > 0) order.push(left.splice(bestIndex(left, metric), 1)[0]!);
  return order;
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
