import type { TrialRow } from '../../db/schema/index.js';
import { isBetter } from '../../domain/pipeline/decisions.js';
import type { MetricName } from '../../domain/pipeline/spec.js';

/** One row of a run's leaderboard: a trial that succeeded, ranked on the validation split. */
export interface LeaderboardEntry {
  rank: number;
  trialIndex: number;
  trainer: string;
  params: Record<string, unknown>;
  metric: string;
  /** The primary metric on the validation split, or null when the trial could not compute it. */
  value: number | null;
  sampleFraction: number;
  durationMs: number | null;
  reused: boolean;
  prunedAtRound: number | null;
  fromHistory: boolean;
}

/**
 * The succeeded trials of a run, best first on `metric`: trials on all training rows before those of
 * earlier halving rungs (which saw fewer rows, so their scores are not comparable), and trials that ran to
 * their end before pruned ones (stopped early on purpose); ties by trial index.
 */
export function leaderboard(trials: TrialRow[], metric: MetricName): LeaderboardEntry[] {
  const valueOf = (t: TrialRow) => t.metrics?.[metric] ?? null;
  const better = (a: TrialRow, b: TrialRow): number => {
    if (a.sampleFraction !== b.sampleFraction) return b.sampleFraction - a.sampleFraction;
    if ((a.prunedAtRound === null) !== (b.prunedAtRound === null)) return a.prunedAtRound === null ? -1 : 1;
    const [va, vb] = [valueOf(a), valueOf(b)];
    if (va !== null && vb !== null && va !== vb) return isBetter(metric, va, vb) ? -1 : 1;
    if ((va === null) !== (vb === null)) return va === null ? 1 : -1;
    return a.index - b.index;
  };
  return trials
    .filter((t) => t.status === 'succeeded')
    .sort(better)
    .map((t, i) => ({
      rank: i + 1,
      trialIndex: t.index,
      trainer: t.trainer,
      params: t.params,
      metric,
      value: valueOf(t),
      sampleFraction: t.sampleFraction,
      durationMs: t.startedAt && t.finishedAt ? t.finishedAt.getTime() - t.startedAt.getTime() : null,
      reused: t.reusedFromTrialId !== null,
      prunedAtRound: t.prunedAtRound,
      fromHistory: t.seededFromTrialId !== null,
    }));
}
