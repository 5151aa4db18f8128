import { seededRandom, shuffled } from '../../domain/random.js';
import type { MetricName } from '../../domain/pipeline/spec.js';
import { LOWER_IS_BETTER } from '../../domain/pipeline/spec.js';
import type { Row } from '../../storage/read-rows.js';
import type { FairnessReport, FeatureImportance } from '../../domain/evaluation/reports.js';

export type { FairnessReport, FeatureImportance } from '../../domain/evaluation/reports.js';

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

/** Permuted rows scored in one batch at most: a model behind a command starts once per batch, not once per shuffle. */
const MAX_BATCH_ROWS = 50_000;

/**
 * Permutation feature importance: how much `metric` worsens when one feature's column is shuffled,
 * averaged over `repeats` seeded shuffles. Works for any model, through its scoring function, which
 * scores several datasets at once (every shuffle of every feature, in batches).
 */
export async function permutationImportance(
  rows: Row[],
  features: string[],
  metric: MetricName,
  scoreAll: (datasets: Row[][]) => Promise<(number | undefined)[]>,
  options: { repeats?: number; seed?: number; onBatch?: () => void } = {},
): Promise<FeatureImportance[]> {
  const [baseline] = await scoreAll([rows]);
  if (baseline === undefined) return [];
  const random = seededRandom(options.seed ?? 1);
  const sign = LOWER_IS_BETTER.has(metric) ? -1 : 1;
  const repeats = options.repeats ?? 3;
  // The shuffles in a fixed order (feature by feature, repeat by repeat), so the seed decides them all;
  // only their row orders are kept, and the permuted rows are built one batch at a time.
  const jobs = features.flatMap((feature) =>
    Array.from({ length: repeats }, () => ({ feature, order: shuffled(rows.map((_, i) => i), random) })),
  );
  const values: (number | undefined)[] = [];
  const perBatch = Math.max(1, Math.floor(MAX_BATCH_ROWS / Math.max(1, rows.length)));
  for (let start = 0; start < jobs.length; start += perBatch) {
    const batch = jobs.slice(start, start + perBatch).map(({ feature, order }) => rows.map((row, i) => ({ ...row, [feature]: rows[order[i]!]![feature] ?? null })));
    values.push(...(await scoreAll(batch)));
    options.onBatch?.();
  }
  return features
    .map((feature) => {
      const drops = jobs.flatMap((job, i) => (job.feature === feature && values[i] !== undefined ? [sign * (baseline - values[i]!)] : []));
      const mean = drops.reduce((a, b) => a + b, 0) / Math.max(1, drops.length);
      const std = Math.sqrt(drops.reduce((a, d) => a + (d - mean) ** 2, 0) / Math.max(1, drops.length));
      return { feature, importance: mean, std };
    })
    .sort((a, b) => b.importance - a.importance);
}
