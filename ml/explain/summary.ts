import type { ExplanationSummary } from '../../domain/evaluation/reports.js';
import { seededRandom, shuffled } from '../../domain/random.js';
import { numericValue, type Row } from '../../storage/read-rows.js';
import type { ModelArtifact } from '../artifact.js';
import { explainBuiltIn, explanationCost, ExplanationError, inputSources } from './explain.js';

/** Work an evaluation spends on explanations: rows × Σ over trees of leaves × depth², about four seconds here. */
const BUDGET = 3e8;
const MAX_ROWS = 1000;
const MIN_ROWS = 50;
/** Points of a dependence plot: enough to see its shape, few enough to travel in the run's history. */
const DEPENDENCE_POINTS = 100;
const round = (v: number) => Number(v.toPrecision(6));

/**
 * The explanation summary of a model on its test rows (a seeded sample, as many as the budget allows), or why there
 * is none: a model not built in, trained before explanations, or too large to explain at evaluation.
 */
export function explanationSummary(artifact: ModelArtifact, rows: Row[], options: { seed: number; sensitive: ReadonlySet<string> }): ExplanationSummary | { skipped: string } {
  if (artifact.kind !== 'builtin') return { skipped: `a ${artifact.kind} model is not explained` };
  let perRow: number;
  try {
    perRow = explanationCost(artifact);
  } catch (error) {
    if (error instanceof ExplanationError) return { skipped: error.message };
    throw error;
  }
  const count = Math.min(rows.length, MAX_ROWS, Math.floor(BUDGET / perRow));
  if (count < Math.min(MIN_ROWS, rows.length)) return { skipped: `too large to explain at evaluation (about ${perRow.toExponential(1)} steps a row)` };
  const sample = count < rows.length ? shuffled(rows, seededRandom(options.seed ^ 0x5a9)).slice(0, count) : rows;
  let explained;
  try {
    explained = explainBuiltIn(artifact, sample);
  } catch (error) {
    if (error instanceof ExplanationError) return { skipped: error.message };
    throw error;
  }
  const totals = new Map<string, number>();
  for (const e of explained) for (const c of e.contributions) totals.set(c.feature, (totals.get(c.feature) ?? 0) + Math.abs(c.value));
  const meanAbs = [...totals].map(([feature, total]) => ({ feature, value: total / explained.length })).sort((a, b) => b.value - a.value || a.feature.localeCompare(b.feature));
  // A column generated from a sensitive one and another (an interaction) carries the sensitive value in its share: both are kept out of per-row figures.
  const tainted = new Set(inputSources(artifact).filter((sources) => sources.some((s) => options.sensitive.has(s))).flat());
  const numeric = new Set(artifact.features.filter((f) => f.kind === 'numeric' && !tainted.has(f.name)).map((f) => f.name));
  const dependence = meanAbs
    .filter((m) => numeric.has(m.feature))
    .slice(0, 3)
    .map(({ feature }) => ({
      feature,
      points: explained.flatMap((e, i): [number, number][] => {
        const value = numericValue(sample[i]![feature]);
        return value === null || !Number.isFinite(value) ? [] : [[round(value), round(e.contributions.find((c) => c.feature === feature)!.value)]];
      }).slice(0, DEPENDENCE_POINTS),
    }));
  const order = explained.map((e, i) => ({ e, i })).sort((a, b) => b.e.output - a.e.output || a.i - b.i);
  const top = (e: (typeof explained)[number]) => e.contributions.filter((c) => !tainted.has(c.feature)).slice(0, 3);
  const extremes = [
    ...order.slice(0, 3).map(({ e }) => ({ rank: 'highest' as const, output: e.output, top: top(e) })),
    ...order.slice(-3).reverse().map(({ e }) => ({ rank: 'lowest' as const, output: e.output, top: top(e) })),
  ];
  const first = explained[0]!;
  // A multi-class model explains each row's predicted class, so its rows speak of different classes.
  const of = explained.every((e) => e.of === first.of) ? first.of : 'the predicted class';
  return { rows: explained.length, of, link: first.link, base: first.base, meanAbs, dependence, extremes };
}
