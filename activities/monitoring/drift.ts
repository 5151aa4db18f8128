import type { DriftBins, FeatureDrift, PerformanceCheck, PredictionDrift } from '../../db/schema/monitoring.js';
import { thresholdFailures, type Metrics } from '../../domain/pipeline/decisions.js';
import type { MonitoringSpec, Thresholds } from '../../domain/pipeline/spec.js';
import type { Cell } from '../../storage/read-rows.js';
import { classificationMetrics, regressionMetrics } from '../../ml/metrics.js';
import { binSharesSorted, chiSquare, ksTestSorted, psi } from './drift-stats.js';
import { sortFloat64 } from './radix-sort.js';

/**
 * Drift of served data against a model's training reference: per feature, of the predictions, and of
 * performance on labelled feedback. Pure functions of their inputs; the monitoring activity loads the
 * data and stores the result as a drift report.
 */

/** Empty bins are floored at this share in PSI and chi-square, so one unseen value cannot make them infinite. */
export const PSI_EPSILON = 1e-4;
/** The bucket for categories the reference never saw. */
export const OTHER = '(other)';
const QUANTILE_BINS = 10;

/** One column of the training reference: a sorted sample and its decile edges, or category counts. */
export type ReferenceColumn =
  | { kind: 'numeric'; values: number[]; edges: number[] }
  | { kind: 'categorical'; counts: Record<string, number>; total: number };

/** A model version's training reference: its features and its own predictions on the same rows. */
export interface ReferenceProfile {
  format: 'custody-reference/v1';
  modelVersionId: string;
  rows: number;
  features: ({ name: string } & ReferenceColumn)[];
  prediction: ReferenceColumn;
}

/** numpy's default (linear) quantile of sorted values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** The reference column of some values: numeric values sorted with their (distinct) decile edges, or category counts. */
export function referenceColumn(kind: 'numeric' | 'categorical', cells: readonly Cell[]): ReferenceColumn {
  if (kind === 'numeric') {
    const sorted = sortedNumbers(cells);
    return { kind, values: Array.from(sorted), edges: decileEdges(sorted) };
  }
  const tally = new Map<string, number>();
  let total = 0;
  for (const cell of cells) {
    if (cell === null || cell === undefined || cell === '') continue;
    const key = String(cell);
    tally.set(key, (tally.get(key) ?? 0) + 1);
    total++;
  }
  // Sorted keys, so the same values always give the same JSON (and the same reference hash).
  return { kind, counts: Object.fromEntries([...tally].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), total };
}

/** The distinct decile edges of sorted values (none for no values): PSI's bins. */
export function decileEdges(sorted: Float64Array): number[] {
  return sorted.length === 0 ? [] : [...new Set(Array.from({ length: QUANTILE_BINS + 1 }, (_, i) => quantile(sorted, i / QUANTILE_BINS)))];
}

/** The finite numbers among cells, sorted ascending; missing values (null, empty) are not zeros. */
export function sortedNumbers(cells: readonly Cell[]): Float64Array {
  return sortFloat64(finiteNumbers(cells));
}

/** The finite numbers among cells, in their order, as a typed array. */
export function finiteNumbers(cells: readonly Cell[]): Float64Array {
  const out = new Float64Array(cells.length);
  let n = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    // Numbers first, as nearly every cell is one: x - x is 0 for a finite number only (NaN for NaN and ±Infinity).
    if (typeof cell === 'number') {
      if (cell - cell === 0) out[n++] = cell;
    } else if (cell !== null && cell !== undefined && cell !== '' && typeof cell !== 'boolean') {
      const value = Number(cell);
      if (Number.isFinite(value)) out[n++] = value;
    }
  }
  return out.subarray(0, n);
}

export interface DriftLimits {
  psi: number;
  ksPValue: number;
  chiSquarePValue: number;
}

/**
 * Labels of the bins binSharesSorted counts: bin i is [edges[i], edges[i+1]), except that the first
 * reaches down to −∞ and the last up to +∞, so values outside the reference's range still count.
 */
function numericBinLabels(edges: readonly number[]): string[] {
  const last = Math.max(0, edges.length - 2);
  if (edges.length < 3) return ['all values'];
  return Array.from({ length: last + 1 }, (_, i) => (i === 0 ? `< ${fmt(edges[1]!)}` : i === last ? `≥ ${fmt(edges[i]!)}` : `[${fmt(edges[i]!)}, ${fmt(edges[i + 1]!)})`));
}

/**
 * PSI over the reference's decile bins and the two-sample KS test, from both columns sorted; with the reasons
 * when either is past its limit.
 */
export function numericDrift(sortedReference: Float64Array, edges: readonly number[], current: Float64Array, limits: DriftLimits): PredictionDrift {
  if (sortedReference.length === 0 || current.length === 0) {
    return { kind: 'numeric', referenceCount: sortedReference.length, currentCount: current.length, psi: 0, drifted: false, reasons: [] };
  }
  const bins = { labels: numericBinLabels(edges), reference: binSharesSorted(sortedReference, edges), current: binSharesSorted(current, edges) };
  const value = psi(bins.reference, bins.current, PSI_EPSILON);
  const ks = ksTestSorted(sortedReference, current);
  const reasons: string[] = [];
  if (value >= limits.psi) reasons.push(`PSI ${fmt(value)} ≥ ${limits.psi}`);
  if (ks.pValue < limits.ksPValue) reasons.push(`KS p-value ${fmt(ks.pValue)} < ${limits.ksPValue} (D = ${fmt(ks.statistic)})`);
  return {
    kind: 'numeric',
    referenceCount: sortedReference.length,
    currentCount: current.length,
    psi: value,
    ksStatistic: ks.statistic,
    ksPValue: ks.pValue,
    drifted: reasons.length > 0,
    reasons,
    bins,
  };
}

/** Compares current values of one column with its reference and says, with reasons, whether it drifted. */
export function compareColumn(reference: ReferenceColumn, cells: readonly Cell[], limits: DriftLimits): PredictionDrift {
  if (reference.kind === 'numeric') return numericDrift(Float64Array.from(reference.values), reference.edges, sortedNumbers(cells), limits);
  // Own keys only: a category named like an Object.prototype member ("constructor") is just a category.
  const known = new Map(Object.entries(reference.counts));
  const observed = new Map<string, number>();
  let n = 0;
  for (const cell of cells) {
    if (cell === null || cell === undefined || cell === '') continue;
    const key = known.has(String(cell)) ? String(cell) : OTHER;
    observed.set(key, (observed.get(key) ?? 0) + 1);
    n++;
  }
  if (reference.total === 0 || n === 0) return { kind: 'categorical', referenceCount: reference.total, currentCount: n, psi: 0, drifted: false, reasons: [] };
  const categories = [...known.keys()].sort();
  if (observed.has(OTHER)) categories.push(OTHER);
  const expectedShares = categories.map((c) => (known.get(c) ?? 0) / reference.total);
  const actualShares = categories.map((c) => (observed.get(c) ?? 0) / n);
  const value = psi(expectedShares, actualShares, PSI_EPSILON);
  // Chi-square needs expected counts above zero that sum to what was observed: floor, then renormalise.
  const floored = expectedShares.map((s) => Math.max(s, PSI_EPSILON));
  const scale = n / floored.reduce((a, b) => a + b, 0);
  const chi = categories.length > 1 ? chiSquare(categories.map((c) => observed.get(c) ?? 0), floored.map((s) => s * scale)) : { statistic: 0, pValue: 1 };
  const reasons: string[] = [];
  if (value >= limits.psi) reasons.push(`PSI ${fmt(value)} ≥ ${limits.psi}`);
  if (chi.pValue < limits.chiSquarePValue) reasons.push(`chi-square p-value ${fmt(chi.pValue)} < ${limits.chiSquarePValue} (χ² = ${fmt(chi.statistic)})`);
  return {
    kind: 'categorical',
    referenceCount: reference.total,
    currentCount: n,
    psi: value,
    chiSquare: chi.statistic,
    chiSquarePValue: chi.pValue,
    drifted: reasons.length > 0,
    reasons,
    bins: { labels: categories, reference: expectedShares, current: actualShares } satisfies DriftBins,
  };
}

/** A served prediction as the log holds it, with its label when feedback arrived. */
export interface ServedRow {
  modelVersionId: string;
  inputs: Record<string, unknown>;
  output: { value: string | number; probabilities?: Record<string, number> };
  label: string | number | null;
}

export interface DriftAssessment {
  status: 'ok' | 'drift' | 'degraded' | 'insufficient_data';
  rows: number;
  labelledRows: number;
  features: FeatureDrift[];
  driftedFeatures: string[];
  prediction: PredictionDrift | null;
  performance: PerformanceCheck;
  /** What counts towards retraining, by the spec's `retrain.on`. */
  findings: { drift: boolean; prediction: boolean; performance: boolean };
  reasons: string[];
}

/**
 * What a check found that can start a retraining. A window with too few predictions decides nothing; the
 * same rule serves a fresh assessment and a stored report read back.
 */
export function findingsOf(
  check: { judged: boolean; driftedFeatures: readonly string[]; prediction: { drifted: boolean } | null; performance: { failures: readonly string[] } },
  minFeatures: number,
): DriftAssessment['findings'] {
  return {
    drift: check.judged && check.driftedFeatures.length >= minFeatures,
    prediction: check.judged && (check.prediction?.drifted ?? false),
    performance: check.judged && check.performance.failures.length > 0,
  };
}

/**
 * Judges a window of served predictions against the reference of the version in production: per-feature
 * drift (all versions' inputs), prediction drift and performance (that version's own predictions).
 */
export function assessDrift(input: {
  reference: ReferenceProfile;
  rows: readonly ServedRow[];
  monitoring: MonitoringSpec;
  /** The limits performance is judged by when the spec's monitoring gives none: the evaluation thresholds. */
  evaluationThresholds: Thresholds;
  task: 'classification' | 'regression';
  /** Called before each feature's statistics: a long check heartbeats here. */
  onFeature?: (name: string) => void;
  /** Numeric features already compared (on the drift threads, for a large window), by name. */
  compared?: ReadonlyMap<string, PredictionDrift>;
}): DriftAssessment {
  const { reference, rows, monitoring } = input;
  const own = rows.filter((r) => r.modelVersionId === input.reference.modelVersionId);
  const labelled = own.filter((r) => r.label !== null && r.label !== undefined);
  const performance = judgePerformance(labelled, input.task, monitoring.performance.thresholds ?? input.evaluationThresholds, monitoring.performance.minLabels);
  if (rows.length < monitoring.minRows) {
    return {
      status: 'insufficient_data',
      rows: rows.length,
      labelledRows: labelled.length,
      features: [],
      driftedFeatures: [],
      prediction: null,
      performance,
      findings: findingsOf({ judged: false, driftedFeatures: [], prediction: null, performance }, monitoring.drift.minFeatures),
      reasons: [`only ${rows.length} predictions were served in the window; a check needs at least ${monitoring.minRows}`],
    };
  }
  const { drift } = monitoring;
  const features: FeatureDrift[] = [];
  for (const column of reference.features) {
    input.onFeature?.(column.name);
    if (featureIgnored(monitoring, column.name)) continue;
    const limits = featureLimits(monitoring, column.name);
    const drift = input.compared?.get(column.name) ?? compareColumn(column, rows.map((r) => (r.inputs[column.name] ?? null) as Cell), limits);
    features.push({ name: column.name, ...drift });
  }
  const driftedFeatures = features.filter((f) => f.drifted).map((f) => f.name);
  const predictionLimits = {
    psi: monitoring.prediction.psi,
    ksPValue: monitoring.prediction.ksPValue ?? 0,
    chiSquarePValue: monitoring.prediction.chiSquarePValue ?? 0,
  };
  const prediction = own.length > 0 ? compareColumn(reference.prediction, own.map((r) => r.output.value), predictionLimits) : null;

  const findings = findingsOf({ judged: true, driftedFeatures, prediction, performance }, drift.minFeatures);
  const reasons = [
    ...features.filter((f) => f.drifted).map((f) => `feature ${f.name} drifted: ${f.reasons.join(', ')}`),
    ...(findings.drift ? [] : driftedFeatures.length > 0 ? [`${driftedFeatures.length} feature(s) drifted; ${drift.minFeatures} must for the input to count as drifted`] : []),
    ...(prediction?.drifted ? [`predictions drifted: ${prediction.reasons.join(', ')}`] : []),
    ...performance.failures.map((f) => `performance: ${f}`),
  ];
  const status = findings.drift || findings.prediction ? 'drift' : findings.performance ? 'degraded' : 'ok';
  return { status, rows: rows.length, labelledRows: labelled.length, features, driftedFeatures, prediction, performance, findings, reasons };
}

/** Whether the spec's monitoring leaves a feature out of drift. */
export function featureIgnored(monitoring: MonitoringSpec, name: string): boolean {
  return Object.hasOwn(monitoring.drift.features, name) && monitoring.drift.features[name]!.ignore === true;
}

/** A feature's drift limits: its own, where the spec's monitoring gives them, else the model's. */
export function featureLimits(monitoring: MonitoringSpec, name: string): DriftLimits {
  const { drift } = monitoring;
  const override = Object.hasOwn(drift.features, name) ? drift.features[name] : undefined;
  return { psi: override?.psi ?? drift.psi, ksPValue: override?.ksPValue ?? drift.ksPValue, chiSquarePValue: override?.chiSquarePValue ?? drift.chiSquarePValue };
}

function judgePerformance(labelled: readonly ServedRow[], task: 'classification' | 'regression', thresholds: Thresholds, minLabels: number): PerformanceCheck {
  if (labelled.length === 0) return { labelled: 0, judged: false, metrics: {}, failures: [] };
  let metrics: Metrics;
  if (task === 'classification') {
    const withProbabilities = labelled.every((r) => r.output.probabilities);
    const classes = withProbabilities ? Object.keys(labelled[0]!.output.probabilities!).sort() : undefined;
    metrics = classificationMetrics(
      labelled.map((r) => String(r.label)),
      {
        values: labelled.map((r) => String(r.output.value)),
        ...(classes ? { classes, probabilities: labelled.map((r) => classes.map((c) => r.output.probabilities![c] ?? 0)) } : {}),
      },
    );
  } else {
    metrics = regressionMetrics(labelled.map((r) => Number(r.label)), labelled.map((r) => Number(r.output.value)));
  }
  // The metric functions leave out what they could not compute, so every value here is a finite number.
  const judged = labelled.length >= minLabels;
  return { labelled: labelled.length, judged, metrics: metrics as Record<string, number>, failures: judged ? thresholdFailures(metrics, thresholds, 'labelled production') : [] };
}

/** Short numbers for sentences: 4 significant digits, exponents for the very small. */
function fmt(value: number): string {
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}
