import { binOf } from '../trees/bins.js';

/**
 * Statistics feature selection ranks and drops columns by. Pure functions of typed arrays; the mutual
 * information is the discrete one (as scikit-learn's `mutual_info_score`) of quantile-binned values.
 */

/** Codes 0..bins-1 by quantile; a column with at most `bins` distinct values gets one code per value. */
export function quantileCodes(values: Float64Array, bins = 10): Int32Array {
  const sorted = Float64Array.from(values).sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  let edges: number[];
  if (distinct.length <= bins) edges = distinct.slice(0, -1);
  else {
    edges = [];
    for (let q = 1; q < bins; q++) {
      const edge = sorted[Math.min(sorted.length - 1, Math.floor((q / bins) * sorted.length))]!;
      if (edges.length === 0 || edge > edges.at(-1)!) edges.push(edge);
    }
  }
  const bounds = Float64Array.from(edges);
  return Int32Array.from(values, (v) => binOf(bounds, v));
}

/** Mutual information in nats between two discrete labellings of the same rows. */
export function mutualInformation(a: Int32Array, b: Int32Array): number {
  const n = a.length;
  if (n === 0) return 0;
  const joint = new Map<number, number>();
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  let width = 0;
  for (let i = 0; i < n; i++) width = Math.max(width, b[i]! + 1);
  for (let i = 0; i < n; i++) {
    const key = a[i]! * width + b[i]!;
    joint.set(key, (joint.get(key) ?? 0) + 1);
    ca.set(a[i]!, (ca.get(a[i]!) ?? 0) + 1);
    cb.set(b[i]!, (cb.get(b[i]!) ?? 0) + 1);
  }
  let mi = 0;
  for (const [key, count] of joint) {
    const x = Math.floor(key / width);
    const y = key - x * width;
    mi += (count / n) * Math.log((count * n) / (ca.get(x)! * cb.get(y)!));
  }
  return Math.max(0, mi);
}

export function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let [ma, mb] = [0, 0];
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [da, db] = [a[i]! - ma, b[i]! - mb];
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** The share of rows holding the column's most common value. */
export function modeShare(values: Float64Array): number {
  const counts = new Map<number, number>();
  let best = 0;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > best) best = c;
  }
  return values.length ? best / values.length : 1;
}
