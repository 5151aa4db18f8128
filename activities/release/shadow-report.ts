import type { Metrics } from '../../domain/pipeline/decisions.js';
import { LOWER_IS_BETTER, type MetricName, type ShadowSpec } from '../../domain/pipeline/spec.js';
import { seededRandom } from '../../domain/random.js';
import type { Disagreement, Histogram, Interval, LatencySummary, ReleaseCheck, ShadowReport, ShadowSide } from '../../domain/release/report.js';
import type { ShadowPair } from '../../db/repositories/releases.js';
import { classificationMetrics, regressionMetrics, type Predictions } from '../../ml/metrics.js';

/** At most this many of the newest pairs are read for a report's figures (the pair count covers them all). */
export const SHADOW_REPORT_PAIRS = 20_000;
const BOOTSTRAP_ROUNDS = 200;
const DISAGREEMENTS = 10;
const BINS = 20;
/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

export interface ShadowReportInput {
  at: Date;
  task: 'classification' | 'regression';
  primaryVersion: number;
  shadowVersion: number;
  primaryMetric: MetricName;
  pairCount: number;
  pairs: ShadowPair[];
  require: ShadowSpec['require'];
}

/** The shadow report from paired predictions: agreement or differences, each side's scores, latency and metrics, the worst disagreements, and the spec's checks. */
export function shadowReport(input: ShadowReportInput): ShadowReport {
  const { pairs, task } = input;
  const labelled = pairs.filter((p) => p.label !== null);
  const classification = task === 'classification';
  const report: Omit<ShadowReport, 'checks'> = {
    at: input.at.toISOString(),
    pairs: input.pairCount,
    pairsUsed: pairs.length,
    labelled: labelled.length,
    agreement: classification ? agreementOf(pairs) : null,
    differences: classification ? null : differencesOf(pairs),
    primary: sideOf(input.primaryVersion, pairs, labelled, 'primary', task, scoreRange(pairs, classification)),
    shadow: sideOf(input.shadowVersion, pairs, labelled, 'shadow', task, scoreRange(pairs, classification)),
    disagreements: disagreementsOf(pairs, classification),
  };
  return { ...report, checks: checksOf(report, input) };
}

/** The share of pairs predicting the same class, with its Wilson 95% interval. */
function agreementOf(pairs: ShadowPair[]): Interval | null {
  if (pairs.length === 0) return null;
  const agree = pairs.filter((p) => String(p.primary.value) === String(p.shadow.value)).length;
  return wilson(agree, pairs.length);
}

function wilson(successes: number, n: number): Interval {
  const p = successes / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

function differencesOf(pairs: ShadowPair[]): ShadowReport['differences'] {
  if (pairs.length === 0) return null;
  const differences = pairs.map((p) => Number(p.shadow.value) - Number(p.primary.value));
  const sorted = [...differences].sort((a, b) => a - b);
  return { histogram: histogram(differences), mean: mean(differences), p05: quantile(sorted, 0.05), p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

/** The range both sides' score histograms share, so their bins line up: [0, 1] for probabilities, else both sides' values. */
function scoreRange(pairs: ShadowPair[], classification: boolean): [number, number] {
  if (classification) return [0, 1];
  const values = pairs.flatMap((p) => [Number(p.primary.value), Number(p.shadow.value)]).filter(Number.isFinite);
  return values.length > 0 ? [Math.min(...values), Math.max(...values)] : [0, 1];
}

function sideOf(version: number, pairs: ShadowPair[], labelled: ShadowPair[], side: 'primary' | 'shadow', task: ShadowReportInput['task'], range: [number, number]): ShadowSide {
  const outputs = pairs.map((p) => p[side]);
  const latencies = pairs.map((p) => (side === 'primary' ? p.primaryLatencyMs : p.shadowLatencyMs));
  const classification = task === 'classification';
  const scores = classification ? outputs.map((o) => Math.max(0, ...Object.values(o.probabilities ?? {}))) : outputs.map((o) => Number(o.value));
  const classes: Record<string, number> = {};
  if (classification) for (const o of outputs) classes[String(o.value)] = (classes[String(o.value)] ?? 0) + 1;
  return {
    version,
    latencyMs: latencyOf(latencies),
    scores: histogram(scores, range[0], range[1], classification ? 10 : BINS),
    classes: classification ? classes : null,
    metrics: metricsWithIntervals(labelled, side, task),
  };
}

function latencyOf(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { mean: mean(values), p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) };
}

/** The side's metrics on the labelled pairs, each with a percentile bootstrap 95% interval (seeded: a report is reproducible). */
function metricsWithIntervals(labelled: ShadowPair[], side: 'primary' | 'shadow', task: ShadowReportInput['task']): Record<string, Interval> {
  if (labelled.length === 0) return {};
  const point = metricsOf(labelled, side, task);
  const random = seededRandom(labelled.length);
  const rounds: Metrics[] = [];
  for (let r = 0; r < BOOTSTRAP_ROUNDS; r++) {
    const sample = labelled.map(() => labelled[Math.floor(random() * labelled.length)]!);
    rounds.push(metricsOf(sample, side, task));
  }
  const out: Record<string, Interval> = {};
  for (const [name, estimate] of Object.entries(point)) {
    if (!Number.isFinite(estimate)) continue;
    const values = rounds.map((m) => m[name as MetricName]!).filter(Number.isFinite).sort((a, b) => a - b);
    out[name] = { estimate, lower: quantile(values, 0.025), upper: quantile(values, 0.975) };
  }
  return out;
}

function metricsOf(pairs: ShadowPair[], side: 'primary' | 'shadow', task: ShadowReportInput['task']): Metrics {
  if (task === 'regression') return regressionMetrics(pairs.map((p) => Number(p.label)), pairs.map((p) => Number(p[side].value)));
  const classes = [...new Set(pairs.flatMap((p) => Object.keys(p[side].probabilities ?? {})))].sort();
  const predicted: Predictions = { values: pairs.map((p) => p[side].value) };
  if (classes.length > 0) Object.assign(predicted, { classes, probabilities: pairs.map((p) => classes.map((c) => p[side].probabilities?.[c] ?? 0)) });
  return classificationMetrics(pairs.map((p) => String(p.label)), predicted);
}

/** The pairs that differ most: by total variation distance between the probabilities, or by the size of the difference. */
function disagreementsOf(pairs: ShadowPair[], classification: boolean): Disagreement[] {
  const distance = (p: ShadowPair) => (classification ? totalVariation(p) : Math.abs(Number(p.shadow.value) - Number(p.primary.value)));
  const differing = classification ? pairs.filter((p) => String(p.primary.value) !== String(p.shadow.value)) : pairs;
  // One row per distinct input: the same request sent again is counted, not listed again.
  const byInput = new Map<string, Disagreement>();
  for (const p of differing) {
    const key = JSON.stringify(p.inputs, Object.keys(p.inputs).sort());
    const seen = byInput.get(key);
    if (seen) seen.occurrences++;
    else byInput.set(key, { predictionId: p.predictionId, inputs: p.inputs, primary: p.primary, shadow: p.shadow, label: p.label, distance: distance(p), occurrences: 1 });
  }
  return [...byInput.values()].sort((a, b) => b.distance - a.distance || a.predictionId.localeCompare(b.predictionId)).slice(0, DISAGREEMENTS);
}

function totalVariation(pair: ShadowPair): number {
  const a = pair.primary.probabilities ?? {};
  const b = pair.shadow.probabilities ?? {};
  const classes = new Set([...Object.keys(a), ...Object.keys(b)]);
  let sum = 0;
  for (const c of classes) sum += Math.abs((a[c] ?? 0) - (b[c] ?? 0));
  return classes.size === 0 ? 1 : sum / 2;
}

/** The spec's requirements against the report: agreement at least X; the shadow's primary metric within the tolerance of the primary's. */
function checksOf(report: Omit<ShadowReport, 'checks'>, input: ShadowReportInput): ReleaseCheck[] {
  const require = input.require;
  const checks: ReleaseCheck[] = [];
  if (require?.agreement !== undefined) {
    const actual = report.agreement?.estimate;
    checks.push({ name: 'agreement', required: `≥ ${require.agreement}`, actual: actual === undefined ? 'no pairs' : `${round(actual)} on ${report.pairsUsed} pairs`, passed: actual !== undefined && actual >= require.agreement });
  }
  if (require?.metricTolerance !== undefined) checks.push(metricCheck(report, input.primaryMetric, require.metricTolerance, require.minLabelled));
  return checks;
}

function metricCheck(report: Omit<ShadowReport, 'checks'>, metric: MetricName, tolerance: number, minLabelled: number): ReleaseCheck {
  const lower = LOWER_IS_BETTER.has(metric);
  const required = lower ? `≤ primary + ${tolerance}` : `≥ primary − ${tolerance}`;
  const primary = report.primary.metrics[metric]?.estimate;
  const shadow = report.shadow.metrics[metric]?.estimate;
  if (report.labelled < minLabelled || primary === undefined || shadow === undefined) {
    return { name: metric, required: `${required} (on at least ${minLabelled} labelled pairs)`, actual: `${report.labelled} labelled pairs`, passed: false };
  }
  const passed = lower ? shadow <= primary + tolerance : shadow >= primary - tolerance;
  return { name: metric, required, actual: `shadow ${round(shadow)}, primary ${round(primary)} on ${report.labelled} labelled pairs`, passed };
}

function histogram(values: number[], low?: number, high?: number, bins = BINS): Histogram {
  const finite = values.filter(Number.isFinite);
  const min = low ?? (finite.length > 0 ? Math.min(...finite) : 0);
  const max = high ?? (finite.length > 0 ? Math.max(...finite) : 1);
  const width = max > min ? (max - min) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - min) / width)))]!++;
  return { edges, counts };
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The q-quantile of sorted values by linear interpolation (numpy's default). */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
