/** Metrics that live between 0 and 1 whatever the model: a chart's axis for one never goes past either end. */
export const UNIT_INTERVAL_METRICS: ReadonlySet<string> = new Set(['accuracy', 'precision', 'recall', 'f1', 'rocAuc']);

/**
 * An axis's extent for a metric: the data's own range with a little room, out to the next hundredth (so its end
 * labels read 0.94, not 0.9421367521), clamped to [0, 1] for a metric that lives there; undefined (the chart's own
 * choice) for any other.
 */
export function metricAxisExtent(metric: string): { min: (e: { min: number; max: number }) => number; max: (e: { min: number; max: number }) => number } | undefined {
  if (!UNIT_INTERVAL_METRICS.has(metric)) return undefined;
  const room = (e: { min: number; max: number }) => Math.max((e.max - e.min) * 0.1, 0.01);
  // The 1e-9 keeps a value already on a hundredth (0.48 computed as 0.47999…) where it is.
  const down = (v: number) => Math.floor(v * 100 + 1e-9) / 100;
  const up = (v: number) => Math.ceil(v * 100 - 1e-9) / 100;
  return { min: (e) => Math.max(0, down(e.min - room(e))), max: (e) => Math.min(1, up(e.max + room(e))) };
}
