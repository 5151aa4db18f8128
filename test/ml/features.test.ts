import { describe, expect, it } from 'vitest';
import { fitFeatures, FeatureSpecError, transformFeatures } from '../../ml/features/pipeline.js';
import { mutualInformation, pearson } from '../../ml/features/select.js';
import type { FeatureSection } from '../../ml/features/spec.js';
import type { Row } from '../../ml/features/columns.js';

/** The section's defaults, as the spec schema fills them, with changes on top. */
function section(change: Partial<FeatureSection> = {}): FeatureSection {
  return {
    impute: { numeric: 'mean', categorical: 'missing', indicators: false },
    scale: 'none',
    oneHot: { minFrequency: 0 },
    transforms: {},
    interactions: [],
    select: { dropConstant: true },
    ...change,
  };
}

describe('feature statistics', () => {
  // Reference values from scikit-learn 1.2.1's sklearn.metrics.mutual_info_score on the same labellings.
  const a = Int32Array.from({ length: 200 }, (_, i) => (i * 7) % 5);
  const b = Int32Array.from({ length: 200 }, (_, i) => (i * 3 + Math.floor(i / 7)) % 4);
  const c = Int32Array.from(a, (x, i) => (x + (i % 3 === 0 ? 1 : 0)) % 5);

  it('computes mutual information equal to scikit-learn’s mutual_info_score', () => {
    expect(mutualInformation(a, b)).toBeCloseTo(0.0027639436633122433, 12);
    expect(mutualInformation(a, c)).toBeCloseTo(0.9719856267645487, 12);
    expect(mutualInformation(b, c)).toBeCloseTo(0.001557119147382005, 12);
  });

  it('computes Pearson correlation', () => {
    expect(pearson(Float64Array.of(1, 2, 3, 4), Float64Array.of(2, 4, 6, 8))).toBeCloseTo(1, 12);
    expect(pearson(Float64Array.of(1, 2, 3, 4), Float64Array.of(8, 6, 4, 2))).toBeCloseTo(-1, 12);
    expect(pearson(Float64Array.of(1, 1, 1), Float64Array.of(1, 2, 3))).toBe(0);
  });
});

describe('a features section', () => {
  const inputs = [
    { name: 'income', kind: 'numeric' as const },
    { name: 'age', kind: 'numeric' as const },
    { name: 'region', kind: 'categorical' as const },
    { name: 'signup', kind: 'categorical' as const },
    { name: 'flag', kind: 'numeric' as const },
  ];
  const regions = ['north', 'north', 'south', 'south', 'east', 'west'];
  const train: Row[] = Array.from({ length: 60 }, (_, i) => ({
    income: i % 10 === 0 ? null : 1000 + i * 100,
    age: 20 + (i % 40),
    region: i === 59 ? 'island' : regions[i % regions.length]!,
    signup: new Date(Date.UTC(2026, i % 12, 1 + (i % 28), i % 24)).toISOString(),
    flag: 1,
  }));
  const y = { y: Int32Array.from(train, (_, i) => i % 2), classification: true };

  it('generates imputed, transformed, bucketed, one-hot, date-part and interaction columns, learned on the training rows', () => {
    const fitted = fitFeatures(
      train,
      inputs,
      y,
      section({
        impute: { numeric: 'median', categorical: 'missing', indicators: true },
        oneHot: { minFrequency: 0.1 },
        transforms: { income: 'log', age: { bucketize: [30, 45] }, signup: 'dateparts' },
        interactions: [['income', 'flag']],
      }),
      false,
    );
    expect(fitted.columns.map((c) => c.name)).toEqual([
      'income_missing',
      'log(income)',
      'age in (-Infinity, 30]',
      'age in (30, 45]',
      'age in (45, Infinity]',
      'region=east',
      'region=north',
      'region=south',
      'region=west',
      'region=__other__',
      'signup.month',
      'signup.day',
      'signup.weekday',
      'signup.hour',
      'income*flag',
    ]);
    expect(fitted.decisions.filter((d) => d.action === 'dropped')).toEqual([
      { feature: 'signup.year', source: 'signup', how: 'year of signup', action: 'dropped', reason: 'constant on the training rows' },
      { feature: 'flag', source: 'flag', how: 'flag as given', action: 'dropped', reason: 'constant on the training rows' },
    ]);

    // New rows: a missing income takes the training median of log(income); an unseen region is "other".
    const values = Object.fromEntries(fitted.columns.map((c, j) => [c.name, transformFeatures(fitted, [{ income: null, age: 50, region: 'moon', signup: '2026-03-04T05:00:00Z', flag: 1 }]).data[j]]));
    const logs = train.filter((r) => r.income !== null).map((r) => Math.log1p(r.income as number)).sort((p, q) => p - q);
    const medianLog = (logs[logs.length / 2 - 1]! + logs[logs.length / 2]!) / 2;
    expect(values).toMatchObject({
      income_missing: 1,
      'log(income)': medianLog,
      'age in (45, Infinity]': 1,
      'age in (30, 45]': 0,
      'region=__other__': 1,
      'region=north': 0,
      'signup.month': 3,
      'signup.day': 4,
      'signup.weekday': 3,
      'signup.hour': 5,
      'income*flag': medianLog,
    });
  });

  it('drops near-constant and correlated columns and keeps the top k by mutual information, saying why', () => {
    // weak is the label with 30% of rows flipped; noise takes each of its 11 values equally often for both labels.
    const rows: Row[] = Array.from({ length: 220 }, (_, i) => ({ signal: i % 2, copy: (i % 2) * 3 + 1, weak: (i % 2) ^ (i % 10 < 3 ? 1 : 0), rare: i < 2 ? 1 : 0, noise: (i * 37) % 11 }));
    const labels = { y: Int32Array.from(rows, (_, i) => i % 2), classification: true };
    const fitted = fitFeatures(
      rows,
      ['signal', 'copy', 'weak', 'rare', 'noise'].map((name) => ({ name, kind: 'numeric' as const })),
      labels,
      section({ select: { dropConstant: true, nearConstant: 0.98, maxCorrelation: 0.95, topK: { k: 2, by: 'mutual_information' } } }),
      false,
    );
    expect(fitted.columns.map((c) => c.name)).toEqual(['signal', 'weak']);
    const why = Object.fromEntries(fitted.decisions.map((d) => [d.feature, d.reason]));
    expect(why.copy).toBe('correlates 1.000 with signal, beyond ±0.95');
    expect(why.rare).toBe('its most common value covers 99.1% of the rows, at or above 98%');
    expect(why.noise).toMatch(/^ranked 3 of 3 by mutual information \([\d.e-]+\); the top 2 are kept$/);
  });

  it('standardises numbers for logistic regression with the training mean and standard deviation, and never flags', () => {
    const fitted = fitFeatures(train, inputs.slice(1, 3), y, section({ scale: 'auto' }), true);
    const age = fitted.columns.find((c) => c.name === 'age')!;
    const ages = train.map((r) => r.age as number);
    const mean = ages.reduce((p, q) => p + q, 0) / ages.length;
    expect(age.shift).toBeCloseTo(mean, 12);
    expect(age.scale).toBeCloseTo(Math.sqrt(ages.reduce((p, v) => p + (v - mean) ** 2, 0) / (ages.length - 1)), 12);
    expect(fitted.columns.filter((c) => c.name.startsWith('region=')).every((c) => c.shift === 0 && c.scale === 1)).toBe(true);
  });

  it('refuses transforms that cannot apply, naming the field', () => {
    expect(() => fitFeatures(train, inputs, y, section({ transforms: { region: 'log' } }), false)).toThrow(
      new FeatureSpecError('features.transforms.region: region is categorical; only dateparts applies to it'),
    );
    expect(() => fitFeatures(train, inputs, y, section({ interactions: [['income', 'region']] }), false)).toThrow(
      new FeatureSpecError('features.interactions.0: region is not numeric; interactions multiply numeric columns'),
    );
  });
});
