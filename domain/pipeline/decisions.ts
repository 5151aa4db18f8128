import { LOWER_IS_BETTER, type MetricName, type PipelineSpec, type Thresholds } from './spec.js';

/** Pure decision rules of the pipeline; the workflow calls them, tests check them directly. */

export type Metrics = Partial<Record<MetricName, number>>;

/** Every threshold the metrics miss, as a sentence. */
export function thresholdFailures(metrics: Metrics, thresholds: Thresholds, context = 'test'): string[] {
  const failures: string[] = [];
  for (const [name, bound] of Object.entries(thresholds) as [MetricName, { min?: number; max?: number }][]) {
    const value = metrics[name];
    if (value === undefined || Number.isNaN(value)) {
      failures.push(`${name} could not be computed on the ${context} data`);
      continue;
    }
    if (bound.min !== undefined && value < bound.min) failures.push(`${name} ${fmt(value)} is below the minimum ${bound.min} on the ${context} data`);
    if (bound.max !== undefined && value > bound.max) failures.push(`${name} ${fmt(value)} is above the maximum ${bound.max} on the ${context} data`);
  }
  return failures;
}

/** Every fairness threshold the report exceeds, as a sentence. */
export function fairnessFailures(
  report: { attribute: string; demographicParityDifference: number; equalOpportunityDifference: number },
  thresholds: { demographicParityDifference?: number; equalOpportunityDifference?: number },
): string[] {
  const failures: string[] = [];
  for (const key of ['demographicParityDifference', 'equalOpportunityDifference'] as const) {
    const max = thresholds[key];
    if (max !== undefined && report[key] > max) failures.push(`${key} ${fmt(report[key])} across ${report.attribute} exceeds the maximum ${max}`);
  }
  return failures;
}

/** True when `a` is strictly better than `b` on `metric`. */
export function isBetter(metric: MetricName, a: number, b: number): boolean {
  return LOWER_IS_BETTER.has(metric) ? a < b : a > b;
}

/** Index of the best candidate on `metric` (first wins ties, so the choice is deterministic). */
export function bestIndex(candidates: { metrics: Metrics }[], metric: MetricName): number {
  let best = -1;
  candidates.forEach((candidate, i) => {
    const value = candidate.metrics[metric];
    if (value === undefined || Number.isNaN(value)) return;
    if (best < 0 || isBetter(metric, value, candidates[best]!.metrics[metric]!)) best = i;
  });
  return best;
}

/**
 * Whether the challenger beats the production champion by at least `minImprovement` on `metric`
 * (measured on the same test rows); a reason when it does not.
 */
export function championFailure(metric: MetricName, challenger: number, champion: number, minImprovement: number, championLabel: string): string | null {
  const improvement = LOWER_IS_BETTER.has(metric) ? champion - challenger : challenger - champion;
  if (improvement >= minImprovement) return null;
  return `${metric} ${fmt(challenger)} does not beat the production champion ${championLabel} (${fmt(champion)}) by the required ${minImprovement}`;
}

/** Why a candidate may not be released: its thresholds, its fairness limits and the champion it must beat; empty when it may. */
export function evaluationFailures(
  result: { metrics: Metrics; fairness?: Parameters<typeof fairnessFailures>[0]; champion: { version: number; metrics: Metrics } | null },
  spec: Pick<PipelineSpec, 'evaluation' | 'fairness'>,
): string[] {
  const reasons = thresholdFailures(result.metrics, spec.evaluation.thresholds);
  if (result.fairness && spec.fairness) reasons.push(...fairnessFailures(result.fairness, spec.fairness.thresholds));
  const metric = spec.evaluation.primaryMetric;
  const [mine, theirs] = [result.metrics[metric], result.champion?.metrics[metric]];
  if (mine !== undefined && theirs !== undefined) {
    const failure = championFailure(metric, mine, theirs, spec.evaluation.champion.minImprovement, `v${result.champion!.version}`);
    if (failure) reasons.push(failure);
  }
  return reasons;
}

const fmt = (value: number) => Number(value.toPrecision(4)).toString();
