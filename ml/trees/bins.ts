import type { Matrix } from '../matrix.js';

/**
 * Each feature's values mapped to at most 255 ordered bins, as LightGBM and scikit-learn's
 * histogram gradient boosting do: with few distinct values every value gets its own bin (edges at
 * midpoints); otherwise the edges are quantiles of the values. Trees then split on bins, and store
 * the raw edge as their threshold, so prediction needs no binning.
 */
export interface Binned {
  rows: number;
  features: number;
  /** Per feature: the bin of every row. */
  columns: Uint8Array[];
  /** The same bins row by row (rows × features): what histogram building reads, one row at a time. */
  rowBins: Uint8Array;
  /** Per feature: upper edges; a value v is in bin b when edges[b-1] < v <= edges[b]. */
  edges: Float64Array[];
  /** Per feature: how many bins it has (edges + 1). */
  counts: Int32Array;
}

export const MAX_BINS = 255;

/** Learns the edges on `X` (quantiles of at most `sampleRows` rows) and bins it. */
export function binMatrix(X: Matrix, maxBins = MAX_BINS, sampleRows = 200_000): Binned {
  if (maxBins < 2 || maxBins > MAX_BINS) throw new Error(`maxBins must be between 2 and ${MAX_BINS}`);
  const { rows, cols } = X;
  const step = Math.max(1, Math.floor(rows / sampleRows));
  const edges: Float64Array[] = [];
  const columns: Uint8Array[] = [];
  const counts = new Int32Array(cols);
  const values = new Float64Array(Math.ceil(rows / step));
  for (let j = 0; j < cols; j++) {
    let m = 0;
    for (let i = 0; i < rows; i += step) values[m++] = X.data[i * cols + j]!;
    const featureEdges = edgesOf(values.subarray(0, m).slice().sort(), maxBins);
    edges.push(featureEdges);
    counts[j] = featureEdges.length + 1;
    const column = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) column[i] = binOf(featureEdges, X.data[i * cols + j]!);
    columns.push(column);
  }
  const rowBins = new Uint8Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const column = columns[j]!;
    for (let i = 0; i < rows; i++) rowBins[i * cols + j] = column[i]!;
  }
  return { rows, features: cols, columns, rowBins, edges, counts };
}

function edgesOf(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  if (distinct.length <= maxBins) {
    return Float64Array.from(distinct.slice(1), (v, i) => (distinct[i]! + v) / 2);
  }
  const out: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    const position = (q / maxBins) * (sorted.length - 1);
    const lo = Math.floor(position);
    const hi = Math.ceil(position);
    const edge = (sorted[lo]! + sorted[hi]!) / 2;
    if (out.length === 0 || edge > out.at(-1)!) out.push(edge);
  }
  // The top edge must leave the largest values a bin of their own.
  while (out.length > 0 && out.at(-1)! >= sorted[sorted.length - 1]!) out.pop();
  return Float64Array.from(out);
}

/** The bin of `value`: the number of edges below it (binary search). */
export function binOf(edges: Float64Array, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
