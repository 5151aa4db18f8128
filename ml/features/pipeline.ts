import { matrix, type Matrix } from '../matrix.js';
import { binMatrix } from '../trees/bins.js';
import { fitBoosting } from '../trees/boosting.js';
import { datePart, describeGenerator, generate, isFlag, isMissing, numberOf, transformed, type DatePart, type Generator, type Row } from './columns.js';
import { modeShare, mutualInformation, pearson, quantileCodes } from './select.js';
import type { FeatureSection } from './spec.js';

/** One generated column that the model uses, with its scaling: value = (generated − shift) / scale. */
export interface FeatureColumn {
  name: string;
  generator: Generator;
  shift: number;
  scale: number;
}

/** What happened to one input or generated column, and why: shown on the run and the model card. */
export interface FeatureDecision {
  feature: string;
  /** The input column it came from (both, for an interaction). */
  source: string;
  how: string;
  action: 'kept' | 'dropped';
  reason: string;
}

/** A fitted `features` section: stored in the model artifact and applied to every row the model sees. */
export interface FittedFeatures {
  format: 'custody-features/1';
  columns: FeatureColumn[];
  decisions: FeatureDecision[];
}

/** Thrown when the section cannot apply to the data (a transform on a text column, say): bad input. */
export class FeatureSpecError extends Error {
  override readonly name = 'FeatureSpecError';
}

export interface FeatureTarget {
  /** Class indices for classification, values for regression. */
  y: Int32Array | Float64Array;
  classification: boolean;
}

interface Candidate {
  name: string;
  source: string;
  generator: Generator;
  values: Float64Array;
}

const DATE_PARTS: DatePart[] = ['year', 'month', 'day', 'weekday', 'hour'];

/**
 * Learns the section on the training rows only: generates columns (imputed numbers with optional
 * missing indicators, log and power transforms, buckets, date parts, one-hot with rare categories
 * grouped, named interactions), then drops what selection rules out (constant, near-constant, too
 * often missing, highly correlated, outside the top k by mutual information or model importance), and
 * scales what is left. Every decision is recorded with its reason.
 */
export function fitFeatures(rows: Row[], inputs: { name: string; kind: 'numeric' | 'categorical' }[], target: FeatureTarget, section: FeatureSection, standardise: boolean): FittedFeatures {
  const decisions: FeatureDecision[] = [];
  const kept = inputs.filter((input) => {
    const share = rows.length ? rows.filter((r) => absent(r, input)).length / rows.length : 0;
    if (section.select.maxMissing === undefined || share <= section.select.maxMissing) return true;
    decisions.push({ feature: input.name, source: input.name, how: 'input column', action: 'dropped', reason: `${pct(share)} missing, above the ${pct(section.select.maxMissing)} allowed` });
    return false;
  });
  const candidates = kept.flatMap((input) => generated(rows, input, section));
  candidates.push(...interactions(rows, kept, section, candidates));
  const chosen = select(candidates, target, section, decisions);
  const scaling = section.scale === 'auto' ? (standardise ? 'standard' : 'none') : section.scale;
  const columns = chosen.map((c) => ({ name: c.name, generator: c.generator, ...scaleOf(c, isFlag(c.generator) ? 'none' : scaling) }));
  for (const c of chosen) decisions.push({ feature: c.name, source: c.source, how: describeGenerator(c.generator), action: 'kept', reason: 'passed every selection rule' });
  return { format: 'custody-features/1', columns, decisions: order(decisions, candidates) };
}

/** The model's input matrix for any rows: the same generated, selected and scaled columns as in training. */
export function transformFeatures(fitted: FittedFeatures, rows: Row[]): Matrix {
  const { columns } = fitted;
  const data = new Float64Array(rows.length * columns.length);
  rows.forEach((row, i) => {
    columns.forEach((c, j) => {
      data[i * columns.length + j] = (generate(c.generator, row) - c.shift) / c.scale;
    });
  });
  return matrix(rows.length, columns.length, data);
}

function generated(rows: Row[], input: { name: string; kind: 'numeric' | 'categorical' }, section: FeatureSection): Candidate[] {
  const transform = section.transforms[input.name];
  const make = (name: string, generator: Generator): Candidate => ({ name, source: input.name, generator, values: Float64Array.from(rows, (r) => generate(generator, r)) });
  const out: Candidate[] = [];
  if (section.impute.indicators && rows.some((r) => absent(r, input))) {
    out.push(make(`${input.name}_missing`, { kind: 'missing', column: input.name, ...(input.kind === 'numeric' ? { numeric: true } : {}) }));
  }
  if (transform === 'dateparts') {
    for (const part of DATE_PARTS) {
      const values = rows.map((r) => datePart(r[input.name], part)).filter((v) => !Number.isNaN(v));
      if (values.length === 0) throw new FeatureSpecError(`features.transforms.${input.name}: dateparts found no dates in ${input.name}`);
      out.push(make(`${input.name}.${part}`, { kind: 'datepart', column: input.name, part, fill: median(values) }));
    }
    return out;
  }
  if (input.kind === 'categorical') {
    if (transform !== undefined) throw new FeatureSpecError(`features.transforms.${input.name}: ${input.name} is categorical; only dateparts applies to it`);
    return [...out, ...oneHot(rows, input.name, section).map(({ name, generator }) => make(name, generator))];
  }
  if (typeof transform === 'object' && 'bucketize' in transform) {
    const raw = rows.map((r) => numberOf(r[input.name])).filter((v) => !Number.isNaN(v));
    const edges = Array.isArray(transform.bucketize) ? [...transform.bucketize].sort((a, b) => a - b) : quantileEdges(raw, transform.bucketize.quantiles);
    const bounds = [-Infinity, ...edges, Infinity];
    const fill = median(raw);
    for (let b = 0; b < bounds.length - 1; b++) {
      const [lower, upper] = [bounds[b]!, bounds[b + 1]!];
      out.push(make(`${input.name} in (${lower}, ${upper}]`, { kind: 'bucket', column: input.name, lower, upper, fill }));
    }
    return out;
  }
  const numericTransform = transform as 'log' | 'sqrt' | { power: number } | undefined;
  const values = rows.map((r) => transformed(numberOf(r[input.name]), numericTransform)).filter((v) => !Number.isNaN(v));
  const fill = section.impute.numeric === 'median' ? median(values) : section.impute.numeric === 'constant' ? Number(section.impute.constant ?? 0) : mean(values);
  const name = numericTransform === undefined ? input.name : typeof numericTransform === 'string' ? `${numericTransform}(${input.name})` : `${input.name}^${numericTransform.power}`;
  return [...out, make(name, { kind: 'number', column: input.name, ...(numericTransform ? { transform: numericTransform } : {}), fill })];
}

function oneHot(rows: Row[], column: string, section: FeatureSection): { name: string; generator: Generator }[] {
  const { categorical, constant } = section.impute;
  const counts = new Map<string, number>();
  for (const r of rows) if (!isMissing(r[column])) counts.set(String(r[column]), (counts.get(String(r[column])) ?? 0) + 1);
  const mostFrequent = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  const fill = categorical === 'most_frequent' ? mostFrequent : categorical === 'constant' ? String(constant ?? 'missing') : undefined;
  const missing = rows.filter((r) => isMissing(r[column])).length;
  if (fill !== undefined && missing > 0) counts.set(fill, (counts.get(fill) ?? 0) + missing);
  const frequent = [...counts].filter(([, c]) => c / Math.max(1, rows.length) >= section.oneHot.minFrequency).map(([v]) => v).sort();
  const grouped = counts.size > frequent.length;
  const withFill = (g: Generator): Generator => (fill !== undefined ? { ...g, fill } : g) as Generator;
  return [
    ...frequent.map((value) => ({ name: `${column}=${value}`, generator: withFill({ kind: 'category', column, value }) })),
    ...(grouped ? [{ name: `${column}=__other__`, generator: withFill({ kind: 'other', column, known: frequent }) }] : []),
  ];
}

function interactions(rows: Row[], inputs: { name: string; kind: string }[], section: FeatureSection, candidates: Candidate[]): Candidate[] {
  return section.interactions.map(([a, b], i) => {
    const factor = (column: string): Generator => {
      const input = inputs.find((x) => x.name === column);
      if (!input) throw new FeatureSpecError(`features.interactions.${i}: ${column} is not an input column (or was dropped)`);
      const numeric = candidates.find((c) => c.source === column && (c.generator.kind === 'number' || c.generator.kind === 'datepart'));
      if (input.kind !== 'numeric' || !numeric) throw new FeatureSpecError(`features.interactions.${i}: ${column} is not numeric; interactions multiply numeric columns`);
      return numeric.generator;
    };
    const generator: Generator = { kind: 'product', left: factor(a), right: factor(b) };
    return { name: `${a}*${b}`, source: `${a}, ${b}`, generator, values: Float64Array.from(rows, (r) => generate(generator, r)) };
  });
}

/** Applies the selection rules in order; what survives is returned, what does not is recorded. */
function select(candidates: Candidate[], target: FeatureTarget, section: FeatureSection, decisions: FeatureDecision[]): Candidate[] {
  const drop = (c: Candidate, reason: string) => decisions.push({ feature: c.name, source: c.source, how: describeGenerator(c.generator), action: 'dropped', reason });
  const { select: rules } = section;
  let alive = candidates.filter((c) => {
    const share = modeShare(c.values);
    const why =
      rules.dropConstant && share === 1
        ? 'constant on the training rows'
        : rules.nearConstant !== undefined && share >= rules.nearConstant
          ? `its most common value covers ${pct(share)} of the rows, at or above ${pct(rules.nearConstant)}`
          : null;
    if (why) drop(c, why);
    return why === null;
  });
  if (rules.maxCorrelation !== undefined) {
    const limit = rules.maxCorrelation;
    const keep: Candidate[] = [];
    for (const c of alive) {
      const twin = keep.map((k) => ({ k, r: pearson(k.values, c.values) })).find(({ r }) => Math.abs(r) > limit);
      if (twin) drop(c, `correlates ${twin.r.toFixed(3)} with ${twin.k.name}, beyond ±${limit}`);
      else keep.push(c);
    }
    alive = keep;
  }
  if (rules.topK && alive.length > rules.topK.k) {
    const by = rules.topK.by;
    const scores = by === 'mutual_information' ? informationScores(alive, target) : importanceScores(alive, target);
    const ranked = alive.map((c, i) => ({ c, score: scores[i]!, i })).sort((a, b) => b.score - a.score || a.i - b.i);
    const label = by === 'mutual_information' ? 'mutual information' : 'gain importance';
    ranked.slice(rules.topK.k).forEach(({ c, score }, j) => drop(c, `ranked ${rules.topK!.k + j + 1} of ${alive.length} by ${label} (${score.toPrecision(3)}); the top ${rules.topK!.k} are kept`));
    const top = new Set(ranked.slice(0, rules.topK.k).map(({ c }) => c));
    alive = alive.filter((c) => top.has(c));
  }
  return alive;
}

function informationScores(candidates: Candidate[], target: FeatureTarget): number[] {
  const labels = target.classification ? Int32Array.from(target.y) : quantileCodes(Float64Array.from(target.y));
  return candidates.map((c) => mutualInformation(quantileCodes(c.values), labels));
}

/** Gain importance of a quick boosted model (50 rounds, 15 leaves) on the candidates. */
function importanceScores(candidates: Candidate[], target: FeatureTarget): number[] {
  const n = candidates[0]?.values.length ?? 0;
  const data = new Float64Array(n * candidates.length);
  candidates.forEach((c, j) => c.values.forEach((v, i) => (data[i * candidates.length + j] = v)));
  const gains = new Float64Array(candidates.length);
  let classes = 1;
  if (target.classification) for (const k of target.y) classes = Math.max(classes, k + 1);
  const loss = !target.classification ? 'squared' : classes === 2 ? 'binary' : 'multinomial';
  fitBoosting(binMatrix(matrix(n, candidates.length, data)), target.y, loss, classes, { maxIterations: 50, learningRate: 0.1, maxLeafNodes: 15, maxDepth: 1e9, minSamplesLeaf: 20, l2: 0, gains });
  return Array.from(gains);
}

function scaleOf(c: Candidate, scaling: 'standard' | 'minmax' | 'none'): { shift: number; scale: number } {
  if (scaling === 'none') return { shift: 0, scale: 1 };
  if (scaling === 'minmax') {
    let [lo, hi] = [Infinity, -Infinity];
    for (const v of c.values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    return { shift: lo, scale: hi - lo || 1 };
  }
  const m = mean(Array.from(c.values));
  const variance = c.values.length > 1 ? c.values.reduce((a, v) => a + (v - m) ** 2, 0) / (c.values.length - 1) : 0;
  return { shift: m, scale: Math.sqrt(variance) || 1 };
}

/** Decisions in the order the columns were generated, input-level drops first. */
function order(decisions: FeatureDecision[], candidates: Candidate[]): FeatureDecision[] {
  const position = new Map(candidates.map((c, i) => [c.name, i]));
  return [...decisions].sort((a, b) => (position.get(a.feature) ?? -1) - (position.get(b.feature) ?? -1));
}

function quantileEdges(values: number[], quantiles: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let q = 1; q < quantiles; q++) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((q / quantiles) * sorted.length))]!;
    if (edges.length === 0 || edge > edges.at(-1)!) edges.push(edge);
  }
  return edges;
}

/** Missing as the model sees it: for a numeric column, anything that is not a number. */
const absent = (row: Row, input: { name: string; kind: string }) => (input.kind === 'numeric' ? Number.isNaN(numberOf(row[input.name])) : isMissing(row[input.name]));
const pct = (share: number) => `${Number((share * 100).toPrecision(3))}%`;
const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
