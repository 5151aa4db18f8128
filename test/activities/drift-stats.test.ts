import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binSharesSorted, chi2Sf, chiSquare, ksExactPValue, ksTest, psi } from '../../activities/monitoring/drift-stats.js';
import { kstwoSf } from '../../activities/monitoring/kstwo.js';
import { PROJECT_ROOT } from '../../paths.js';

// Reference values computed once with scipy 1.10 (ks_2samp, kstwo, chisquare, chi2) and numpy (test/fixtures/drift/generate.py).
const reference = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/drift/reference.json'), 'utf8')) as {
  psi_epsilon: number;
  cases: { name: string; reference: number[]; current: number[]; ks_statistic: number; ks_pvalue: number; psi_edges: number[]; psi: number }[];
  chisquare: { observed: number[]; expected: number[]; statistic: number; pvalue: number };
  chi2_sf: { x: number; df: number; sf: number }[];
  kstwo_sf: { n: number; d: number; sf: number }[];
  large: { n1: number; n2: number; power: number; ks_statistic: number; ks_pvalue: number }[];
};
const TOLERANCE = 1e-9;

describe.each(reference.cases)('drift statistics on $name', (c) => {
  it('KS statistic equals scipy.stats.ks_2samp', () => {
    expect(Math.abs(ksTest(c.reference, c.current).statistic - c.ks_statistic)).toBeLessThan(TOLERANCE);
  });

  it('KS p-value equals scipy.stats.ks_2samp (its exact method, as samples up to 10,000 get)', () => {
    const result = ksTest(c.reference, c.current);
    expect(result.method).toBe('exact');
    expect(Math.abs(result.pValue - c.ks_pvalue)).toBeLessThan(TOLERANCE);
  });

  it('PSI over the reference deciles equals numpy', () => {
    const sorted = (values: number[]) => Float64Array.from(values).sort();
    const value = psi(binSharesSorted(sorted(c.reference), c.psi_edges), binSharesSorted(sorted(c.current), c.psi_edges), reference.psi_epsilon);
    expect(Math.abs(value - c.psi)).toBeLessThan(TOLERANCE);
  });
});

describe('chi-square', () => {
  it('statistic and p-value equal scipy.stats.chisquare', () => {
    const result = chiSquare(reference.chisquare.observed, reference.chisquare.expected);
    expect(Math.abs(result.statistic - reference.chisquare.statistic)).toBeLessThan(TOLERANCE);
    expect(Math.abs(result.pValue - reference.chisquare.pvalue)).toBeLessThan(TOLERANCE);
  });

  it.each(reference.chi2_sf)('chi2.sf($x, $df) equals scipy', ({ x, df, sf }) => {
    expect(Math.abs(chi2Sf(x, df) - sf)).toBeLessThan(TOLERANCE);
  });
});

describe('past 10,000 values a side', () => {
  it.each(reference.kstwo_sf)('kstwo.sf($d, $n) equals scipy', ({ n, d, sf }) => {
    expect(Math.abs(kstwoSf(n, d) - sf)).toBeLessThan(TOLERANCE);
  });

  it.each(reference.large)('ks_2samp on $n1 against $n2 values equals scipy (its asymptotic route)', ({ n1, n2, power, ks_statistic, ks_pvalue }) => {
    const ref = Array.from({ length: n1 }, (_, i) => i / n1);
    const cur = Array.from({ length: n2 }, (_, j) => (j / n2) ** power);
    const result = ksTest(ref, cur);
    expect(result.method).toBe('asymptotic');
    expect(Math.abs(result.statistic - ks_statistic)).toBeLessThan(TOLERANCE);
    expect(Math.abs(result.pValue - ks_pvalue)).toBeLessThan(TOLERANCE);
  });
});

describe('edge cases', () => {
  it('identical samples do not drift', () => {
    expect(ksTest([1, 2, 3], [1, 2, 3]).statistic).toBe(0);
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(ksExactPValue(10, 12, 0)).toBe(1);
  });

  it('samples larger than the exact limit take the asymptotic route', () => {
    const big = Array.from({ length: 10_001 }, (_, i) => i / 10_001);
    const result = ksTest(big, [0.1, 0.2, 0.3]);
    expect(result.method).toBe('asymptotic');
    // n = round(10001·3/10004) = 3: kstwo at n = 3.
    expect(result.pValue).toBe(Math.min(1, kstwoSf(3, result.statistic)));
  });
});
