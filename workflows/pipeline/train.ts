import { ActivityCancellationType, isCancellation, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { trainingTaskQueue } from '../../domain/task-queues.js';
import type { DatasetVersionRef } from '../../activities/data/data.activities.js';
import type { TrainingActivities, TrialResult } from '../../activities/training/training.activities.js';
import { bestIndex, type Metrics } from '../../domain/pipeline/decisions.js';
import { searchPlan, type TrialPlan } from '../../domain/pipeline/search.js';
import { durationMs, type MetricName, type PipelineSpec } from '../../domain/pipeline/spec.js';
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
