import { binOf } from '../../ml/trees/bins.js';
import { kstwoSf } from './kstwo.js';

/**
 * Drift statistics between a reference sample (the training data's profile or values) and a current one
 * (what serving sees). Pure functions, checked against scipy and numpy reference values in
 * test/activities/drift-stats.test.ts.
 */

/** Two-sample Kolmogorov–Smirnov statistic of samples sorted ascending: the largest gap between their empirical distributions. */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    // Step past every copy of the smaller value in both samples, so ties move the two curves together.
    const value = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i] === value) i++;
    while (j < b.length && b[j] === value) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** Samples this large or smaller get scipy's exact p-value, as `ks_2samp(method="auto")` does. */
export const KS_EXACT_MAX_N = 10_000;

/**
 * Two-sample KS test, two-sided, as scipy's `ks_2samp` (method auto) computes it. Up to
 * {@link KS_EXACT_MAX_N} values a side the p-value is the exact one: the share of lattice paths that leave
 * the band |x/m − y/n| < d (Hodges' inside method, with Viehmann's recursion for 1 − p). Larger samples,
 * and the rare case where the exact sum overflows, take scipy's asymptotic route: the one-sample
 * distribution `kstwo` at n = round(n1·n2/(n1+n2)).
 */
export function ksTest(reference: readonly number[], current: readonly number[]): KsResult {
  return ksTestSorted(Float64Array.from(reference).sort(), Float64Array.from(current).sort());
}

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/** {@link ksTest} on samples already sorted ascending. */
export function ksTestSorted(reference: Float64Array, current: Float64Array): KsResult {
  const statistic = ksStatisticSorted(reference, current);
  const n1 = reference.length;
  const n2 = current.length;
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const exact = ksExactPValue(n1, n2, statistic);
    if (exact !== null) return { statistic, pValue: exact, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  return { statistic, pValue: Math.min(1, Math.max(0, kstwoSf(roundHalfEven((m * n) / (m + n)), statistic))), method: 'asymptotic' };
}

/** The exact two-sided p-value P(D ≥ d) for samples of sizes n1 and n2, or null when it cannot be computed in doubles. */
export function ksExactPValue(n1: number, n2: number, d: number): number | null {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = Math.round(d * lcm);
  if (h === 0) return 1;
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  return Number.isFinite(p) && p >= 0 && p <= 1 ? p : null;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Equal sizes: P(D_{n,n} ≥ h/n) = 2·Σ (−1)^(k−1) C(2n, n−kh)/C(2n, n), summed by a Horner-like scheme. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/** Unequal sizes: the share of paths from (0,0) to (m,n) that do not stay strictly inside the band, as 1 − p directly. */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const a = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let value = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      value = (a[jj + minj - lastminj]! * i + value * j) / (i + j);
      a[jj] = value;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}

/**
 * Population Stability Index between two distributions over the same bins:
 * Σ (actual − expected) · ln(actual / expected), with empty bins floored at `epsilon`.
 */
export function psi(expected: readonly number[], actual: readonly number[], epsilon = 1e-4): number {
  let total = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]!, epsilon);
    const a = Math.max(actual[i] ?? 0, epsilon);
    total += (a - e) * Math.log(a / e);
  }
  return total;
}

/**
 * Share of `sorted` (ascending) values in each bin of `edges`, by a binary search per edge; values outside the
 * edges fall into the first or last bin. Bin k holds the values v with edges[k] ≤ v < edges[k + 1].
 */
export function binSharesSorted(sorted: Float64Array, edges: readonly number[]): number[] {
  const last = Math.max(0, edges.length - 2);
  const n = sorted.length;
  // starts[k]: where bin k begins, after the values below edges[k] (bin 0 begins at 0, whatever its edge).
  const starts = Array.from({ length: last + 1 }, (_, k) => (k === 0 ? 0 : binOf(sorted, edges[k]!)));
  return starts.map((start, k) => ((k === last ? n : starts[k + 1]!) - start) / Math.max(1, n));
}

/** Pearson's chi-square goodness-of-fit test of observed counts against expected counts. */
export function chiSquare(observed: readonly number[], expected: readonly number[]): { statistic: number; pValue: number } {
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) statistic += (observed[i]! - expected[i]!) ** 2 / expected[i]!;
  return { statistic, pValue: chi2Sf(statistic, observed.length - 1) };
}

/** P(X > x) for X ~ chi-square with `df` degrees of freedom: the regularized upper incomplete gamma Q(df/2, x/2). */
export function chi2Sf(x: number, df: number): number {
  if (!(x > 0)) return 1;
  return gammaQ(df / 2, x / 2);
}

/** ln Γ(z) by the Lanczos approximation (g = 7, 9 terms), accurate to about 1e-15. */
function lnGamma(z: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  const x = z - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Regularized upper incomplete gamma Q(a, x): a series below a + 1, a continued fraction above. */
function gammaQ(a: number, x: number): number {
  const logPrefix = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  // Modified Lentz's method for the continued fraction of Q.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}
