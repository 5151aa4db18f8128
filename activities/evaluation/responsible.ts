import { seededRandom, shuffled } from '../../workflows/pipeline/random.js';
import type { MetricName } from '../../workflows/pipeline/spec.js';
import { LOWER_IS_BETTER } from '../../workflows/pipeline/spec.js';
import type { Row } from '../data/read-rows.js';

export interface FairnessReport {
  attribute: string;
  positiveClass: string;
  groups: { group: string; count: number; selectionRate: number; truePositiveRate: number | null }[];
  /** max − min over groups of P(prediction = positive | group). */
  demographicParityDifference: number;
  /** max − min over groups of P(prediction = positive | actual = positive, group); groups without positives are left out. */
  equalOpportunityDifference: number;
}

/** Group fairness of classification predictions with respect to one sensitive attribute. */
export function fairnessReport(attribute: string, groupOf: string[], actual: string[], predicted: string[], positiveClass: string): FairnessReport {
  const groups = [...new Set(groupOf)].sort().map((group) => {
    const idx = groupOf.flatMap((g, i) => (g === group ? [i] : []));
    const selected = idx.filter((i) => predicted[i] === positiveClass).length;
    const positives = idx.filter((i) => actual[i] === positiveClass);
    const caught = positives.filter((i) => predicted[i] === positiveClass).length;
    return { group, count: idx.length, selectionRate: selected / idx.length, truePositiveRate: positives.length > 0 ? caught / positives.length : null };
  });
  const spread = (values: number[]) => (values.length > 0 ? Math.max(...values) - Math.min(...values) : 0);
  return {
    attribute,
    positiveClass,
    groups,
    demographicParityDifference: spread(groups.map((g) => g.selectionRate)),
    equalOpportunityDifference: spread(groups.flatMap((g) => (g.truePositiveRate === null ? [] : [g.truePositiveRate]))),
  };
}

export interface FeatureImportance {
  feature: string;
  /** Mean drop in the metric when the feature's values are shuffled (positive: the model relies on it). */
  importance: number;
  std: number;
}

/**
 * Permutation feature importance: how much `metric` worsens when one feature's column is shuffled,
 * averaged over `repeats` seeded shuffles. Works for any model, through its scoring function.
 */
export async function permutationImportance(
  rows: Row[],
  features: string[],
  metric: MetricName,
  score: (rows: Row[]) => Promise<number | undefined>,
  options: { repeats?: number; seed?: number; onFeature?: () => void } = {},
): Promise<FeatureImportance[]> {
  const baseline = await score(rows);
  if (baseline === undefined) return [];
  const random = seededRandom(options.seed ?? 1);
  const sign = LOWER_IS_BETTER.has(metric) ? -1 : 1;
  const out: FeatureImportance[] = [];
  for (const feature of features) {
    const drops: number[] = [];
    for (let r = 0; r < (options.repeats ?? 3); r++) {
      const column = shuffled(rows.map((row) => row[feature] ?? null), random);
      const permuted = rows.map((row, i) => ({ ...row, [feature]: column[i]! }));
      const value = await score(permuted);
      if (value !== undefined) drops.push(sign * (baseline - value));
    }
    options.onFeature?.();
    const mean = drops.reduce((a, b) => a + b, 0) / Math.max(1, drops.length);
    const std = Math.sqrt(drops.reduce((a, d) => a + (d - mean) ** 2, 0) / Math.max(1, drops.length));
    out.push({ feature, importance: mean, std });
  }
  return out.sort((a, b) => b.importance - a.importance);
}
