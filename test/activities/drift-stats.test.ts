import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binShares, chi2Sf, chiSquare, kolmogorovSf, ksStatistic, ksTest, psi } from '../../activities/monitoring/drift-stats.js';
import { PROJECT_ROOT } from '../../paths.js';

// Reference values computed once with scipy 1.10 and numpy (test/fixtures/drift/generate.py).
const reference = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/drift/reference.json'), 'utf8')) as {
  psi_epsilon: number;
  cases: { name: string; reference: number[]; current: number[]; ks_statistic: number; kolmogorov_sf: number; psi_edges: number[]; psi: number }[];
  chisquare: { observed: number[]; expected: number[]; statistic: number; pvalue: number };
  chi2_sf: { x: number; df: number; sf: number }[];
};
const TOLERANCE = 1e-9;

describe.each(reference.cases)('drift statistics on $name', (c) => {
  it('KS statistic equals scipy.stats.ks_2samp', () => {
    expect(Math.abs(ksStatistic(c.reference, c.current) - c.ks_statistic)).toBeLessThan(TOLERANCE);
  });

  it('asymptotic KS p-value equals scipy.special.kolmogorov(sqrt(en)·D)', () => {
    expect(Math.abs(ksTest(c.reference, c.current).pValue - c.kolmogorov_sf)).toBeLessThan(TOLERANCE);
  });

  it('PSI over the reference deciles equals numpy', () => {
    const value = psi(binShares(c.reference, c.psi_edges), binShares(c.current, c.psi_edges), reference.psi_epsilon);
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

describe('edge cases', () => {
  it('identical samples do not drift', () => {
    expect(ksStatistic([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(kolmogorovSf(0)).toBe(1);
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
  });
});
