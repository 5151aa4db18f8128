import type { ColumnProfile, DatasetFormat } from '../domain/data/profile.js';
import { isMissing, numericValue, readRows, type Row } from './read-rows.js';

const HISTOGRAM_BINS = 10;
const TRACKED_CATEGORIES = 10_000;
const KEPT_CATEGORIES = 50;
/** A column is numeric when at least this share of its present values are finite numbers. */
const NUMERIC_SHARE = 0.9;

interface Accumulator {
  present: number;
  nulls: number;
  finite: number;
  nonFinite: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  categories: Map<string, number>;
  overflow: boolean;
}

export interface DatasetProfile {
  rowCount: number;
  columns: ColumnProfile[];
}

/**
 * Profiles a dataset in two streaming passes (the file is never loaded whole): counts, nulls,
 * mean and standard deviation (Welford), min/max and category frequencies, then histograms over
 * [min, max]. The result is the dataset's schema and the reference for drift monitoring.
 */
export async function profileDataset(file: string, format: DatasetFormat, onRows?: (rows: number) => void): Promise<DatasetProfile> {
  const columns = new Map<string, Accumulator>();
  let rowCount = 0;
  const ensure = (name: string): Accumulator => {
    let acc = columns.get(name);
    if (!acc) {
      acc = { present: 0, nulls: rowCount, finite: 0, nonFinite: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity, categories: new Map(), overflow: false };
      columns.set(name, acc);
    }
    return acc;
  };
  for await (const row of readRows(file, format)) {
    for (const name of Object.keys(row)) ensure(name);
    for (const [name, acc] of columns) accumulate(acc, row, name);
    rowCount++;
    if (onRows && rowCount % 10_000 === 0) onRows(rowCount);
  }

  const profiles: ColumnProfile[] = [...columns].map(([name, acc]) => summarize(name, acc));
  const numeric = profiles.filter((p) => p.kind === 'numeric' && p.count > 0);
  if (numeric.length > 0) {
    const bins = new Map(
      numeric.map((p) => {
        const edges = edgesOf(p.min!, p.max!);
        return [p.name, { edges, counts: new Array<number>(edges.length - 1).fill(0) }];
      }),
    );
    for await (const row of readRows(file, format)) {
      for (const [name, histogram] of bins) {
        const value = numericValue(row[name]);
        if (value === null || !Number.isFinite(value)) continue;
        histogram.counts[binOf(value, histogram.edges)]!++;
      }
    }
    for (const p of numeric) p.histogram = bins.get(p.name);
  }
  return { rowCount, columns: profiles };
}

function accumulate(acc: Accumulator, row: Row, name: string): void {
  const cell = row[name];
  if (isMissing(cell)) {
    acc.nulls++;
    return;
  }
  acc.present++;
  const value = numericValue(cell);
  if (value !== null && Number.isFinite(value) && typeof cell !== 'boolean') {
    acc.finite++;
    const delta = value - acc.mean;
    acc.mean += delta / acc.finite;
    acc.m2 += delta * (value - acc.mean);
    if (value < acc.min) acc.min = value;
    if (value > acc.max) acc.max = value;
  } else {
    acc.nonFinite++;
  }
  const key = String(cell);
  const seen = acc.categories.get(key);
  if (seen !== undefined) acc.categories.set(key, seen + 1);
  else if (acc.categories.size < TRACKED_CATEGORIES) acc.categories.set(key, 1);
  else acc.overflow = true;
}

function summarize(name: string, acc: Accumulator): ColumnProfile {
  const isNumeric = acc.present > 0 && acc.finite / acc.present >= NUMERIC_SHARE;
  if (isNumeric) {
    return {
      name,
      kind: 'numeric',
      count: acc.finite,
      nullCount: acc.nulls,
      nanCount: acc.nonFinite,
      min: acc.min,
      max: acc.max,
      mean: acc.mean,
      std: acc.finite > 1 ? Math.sqrt(acc.m2 / (acc.finite - 1)) : 0,
      // Low-cardinality numeric columns (such as 0/1 labels) keep their frequencies too.
      ...(acc.categories.size <= KEPT_CATEGORIES && !acc.overflow ? { categories: Object.fromEntries(topCategories(acc)), distinct: acc.categories.size } : {}),
    };
  }
  const top = topCategories(acc);
  return {
    name,
    kind: 'categorical',
    count: acc.present,
    nullCount: acc.nulls,
    nanCount: 0,
    categories: Object.fromEntries(top),
    distinct: acc.categories.size + (acc.overflow ? 1 : 0),
  };
}

function topCategories(acc: Accumulator): [string, number][] {
  return [...acc.categories].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, KEPT_CATEGORIES);
}

function edgesOf(min: number, max: number): number[] {
  if (min === max) return [min, max];
  return Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? max : min + ((max - min) * i) / HISTOGRAM_BINS));
}

/** Bin of `value` given ascending `edges`; values outside fall into the first or last bin. */
export function binOf(value: number, edges: number[]): number {
  const last = edges.length - 2;
  if (last <= 0) return 0;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (value >= edges[mid]!) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
