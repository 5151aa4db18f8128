import { describe, expect, it } from 'vitest';
import { shadowReport, type ShadowReportInput } from '../../activities/release/shadow-report.js';
import type { ShadowPair } from '../../db/repositories/releases.js';

const pair = (i: number, primary: string | number, shadow: string | number, label: string | number | null, inputs: Record<string, unknown> = { x: i }): ShadowPair => ({
  predictionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  inputs,
  primary: typeof primary === 'string' ? { value: primary, probabilities: { a: primary === 'a' ? 0.9 : 0.1, b: primary === 'a' ? 0.1 : 0.9 } } : { value: primary },
  shadow: typeof shadow === 'string' ? { value: shadow, probabilities: { a: shadow === 'a' ? 0.6 : 0.4, b: shadow === 'a' ? 0.4 : 0.6 } } : { value: shadow },
  primaryLatencyMs: 1 + i,
  shadowLatencyMs: 10 + i,
  label,
});

const input = (pairs: ShadowPair[], change: Partial<ShadowReportInput> = {}): ShadowReportInput => ({
  at: new Date('2026-12-07T12:00:00Z'),
  task: 'classification',
  primaryVersion: 1,
  shadowVersion: 2,
  primaryMetric: 'accuracy',
  pairCount: pairs.length,
  pairs,
  require: undefined,
  ...change,
});

describe('the shadow report', () => {
  // Eight of ten pairs agree; the two that differ are the same input sent twice.
  const pairs = [...Array.from({ length: 8 }, (_, i) => pair(i, 'a', 'a', i < 6 ? 'a' : null)), pair(8, 'a', 'b', 'b', { x: 'same' }), pair(9, 'a', 'b', 'b', { x: 'same' })];

  it('gives agreement with its Wilson 95% interval (8 of 10: 0.4902 to 0.9433)', () => {
    const report = shadowReport(input(pairs));
    expect(report.agreement!.estimate).toBe(0.8);
    expect(report.agreement!.lower).toBeCloseTo(0.4902, 4);
    expect(report.agreement!.upper).toBeCloseTo(0.9433, 4);
    expect(report).toMatchObject({ pairs: 10, pairsUsed: 10, labelled: 8, differences: null });
  });

  it('lists each differing input once, with how often it came, most different first', () => {
    const [only, ...rest] = shadowReport(input(pairs)).disagreements;
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ inputs: { x: 'same' }, occurrences: 2, primary: { value: 'a' }, shadow: { value: 'b' }, label: 'b' });
    expect(only!.distance).toBeCloseTo(0.5, 12);
  });

  it('computes each side’s metrics on the labelled pairs, with an interval around the estimate', () => {
    const report = shadowReport(input(pairs));
    // Labelled: six agreeing pairs labelled a, and two labelled b where only the shadow said b.
    expect(report.primary.metrics.accuracy!.estimate).toBeCloseTo(6 / 8, 12);
    expect(report.shadow.metrics.accuracy!.estimate).toBe(1);
    const { estimate, lower, upper } = report.primary.metrics.accuracy!;
    expect(lower).toBeLessThanOrEqual(estimate);
    expect(upper).toBeGreaterThanOrEqual(estimate);
    expect(report.primary.latencyMs.p50).toBe(5.5);
    expect(report.shadow.latencyMs.p99).toBeCloseTo(18.91, 12);
  });

  it('checks the spec’s requirements: agreement, and the metric within its tolerance on enough labelled pairs', () => {
    const passing = shadowReport(input(pairs, { require: { agreement: 0.8, metricTolerance: 0, minLabelled: 8 } }));
    expect(passing.checks.map((c) => [c.name, c.passed])).toEqual([['agreement', true], ['accuracy', true]]);
    const failing = shadowReport(input(pairs, { require: { agreement: 0.81, minLabelled: 9, metricTolerance: 0 } }));
    expect(failing.checks).toEqual([
      { name: 'agreement', required: '≥ 0.81', actual: '0.8 on 10 pairs', passed: false },
      { name: 'accuracy', required: '≥ primary − 0 (on at least 9 labelled pairs)', actual: '8 labelled pairs', passed: false },
    ]);
    // Log loss is lower-is-better: the shadow may exceed the primary's by the tolerance, no more.
    const logLoss = shadowReport(input(pairs, { primaryMetric: 'logLoss', require: { metricTolerance: 0.01, minLabelled: 1 } }));
    const [check] = logLoss.checks;
    expect(check!.required).toBe('≤ primary + 0.01');
    expect(check!.passed).toBe(logLoss.shadow.metrics.logLoss!.estimate <= logLoss.primary.metrics.logLoss!.estimate + 0.01);
  });

  it('reports a regression shadow by the distribution of its differences (numpy’s linear quantiles)', () => {
    const numeric = Array.from({ length: 10 }, (_, i) => pair(i, 10, 10 + i, 10));
    const report = shadowReport(input(numeric, { task: 'regression', primaryMetric: 'rmse' }));
    expect(report.agreement).toBeNull();
    expect(report.differences).toMatchObject({ mean: 4.5, p05: expect.closeTo(0.45, 12), p50: 4.5, p95: expect.closeTo(8.55, 12) });
    expect(report.differences!.histogram.counts.reduce((a, b) => a + b, 0)).toBe(10);
    // Both sides' scores on the same bins, spanning both: the primary's all in the first, the shadow's spread.
    expect(report.primary.scores.edges).toEqual(report.shadow.scores.edges);
    expect([report.primary.scores.edges[0], report.primary.scores.edges.at(-1)]).toEqual([10, 19]);
    expect(report.primary.scores.counts[0]).toBe(10);
    expect(report.primary.metrics.rmse!.estimate).toBe(0);
  });
});
