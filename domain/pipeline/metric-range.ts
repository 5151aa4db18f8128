/** Metrics that live between 0 and 1 whatever the model: a chart's axis for one never goes past either end. */
export const UNIT_INTERVAL_METRICS: ReadonlySet<string> = new Set(['accuracy', 'precision', 'recall', 'f1', 'rocAuc']);

/**
 * An axis's extent for a metric: the data's own range with a little room, clamped to [0, 1] for a metric that lives
 * there; undefined (the chart's own choice) for any other.
 */
export function metricAxisExtent(metric: string): { min: (e: { min: number; max: number }) => number; max: (e: { min: number; max: number }) => number } | undefined {
  if (!UNIT_INTERVAL_METRICS.has(metric)) return undefined;
  const room = (e: { min: number; max: number }) => Math.max((e.max - e.min) * 0.1, 0.01);
  return { min: (e) => Math.max(0, e.min - room(e)), max: (e) => Math.min(1, e.max + room(e)) };
}
