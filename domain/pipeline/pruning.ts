/**
 * Median pruning (Optuna's MedianPruner; Golovin et al., 2017, "Google Vizier"): a boosted-trees trial reports its
 * validation loss after every round, and stops at the first round past the warm-up where its best loss so far is worse
 * than the median of the earlier finished trials' losses at the same round.
 */
export interface Pruning {
  /** Rounds every trial runs before it may be stopped. */
  warmupRounds: number;
  /** The median loss after each round (index 0: after round 1) over the earlier finished trials; empty before there are enough. */
  medians: number[];
}

/** Rounds every trial runs before it may be stopped, when the spec does not say. */
export const DEFAULT_WARMUP_ROUNDS = 10;

/** Finished trials needed before any trial is pruned (Optuna's n_startup_trials). */
export const PRUNING_STARTUP_TRIALS = 5;

/** Per round, the median of the curves that reached it; nothing until `PRUNING_STARTUP_TRIALS` curves are known. */
export function medianCurve(curves: readonly (readonly number[])[]): number[] {
  if (curves.length < PRUNING_STARTUP_TRIALS) return [];
  const rounds = Math.max(0, ...curves.map((c) => c.length));
  return Array.from({ length: rounds }, (_, r) => median(curves.flatMap((c) => (r < c.length && Number.isFinite(c[r]) ? [c[r]!] : []))));
}

/**
 * Whether a trial stops after `round` (1-based), its best loss so far being `best`: past the warm-up, and worse than
 * that round's median (Optuna's rule: a trial whose loss rose after a good round is judged by its best).
 */
export function stopsAt(round: number, best: number, pruning: Pruning): boolean {
  const median = pruning.medians[round - 1];
  return round > pruning.warmupRounds && median !== undefined && Number.isFinite(median) && !(best <= median);
}

/** The round a trial with this curve stops at under `pruning`, or null when it runs to the curve's end. */
export function pruneRound(curve: readonly number[], pruning: Pruning): number | null {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < curve.length; r++) {
    best = Math.min(best, curve[r]!);
    if (stopsAt(r + 1, best, pruning)) return r + 1;
  }
  return null;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
