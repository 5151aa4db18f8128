import { describe, expect, it } from 'vitest';
import { assessDrift, compareColumn, OTHER, quantile, referenceColumn, type ReferenceProfile, type ServedRow } from '../../activities/monitoring/drift.js';
import { parsePipelineSpec, type MonitoringSpec } from '../../domain/pipeline/spec.js';
import { seededRandom } from '../../domain/random.js';

/** Standard normal draws (Box–Muller) from a seeded generator: the same sample on every run. */
function normal(n: number, seed: number, mean = 0, sd = 1): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

function monitoring(extra: Record<string, unknown> = {}): MonitoringSpec {
  const parsed = parsePipelineSpec({
    name: 'm',
    dataset: { name: 'd', version: 1 },
    task: 'classification',
    target: 'y',
    training: { trainer: 'random-forest' },
    evaluation: { primaryMetric: 'accuracy' },
    monitoring: { minRows: 50, ...extra },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec.monitoring;
}

const LIMITS = { psi: 0.2, ksPValue: 0.01, chiSquarePValue: 0.01 };

describe('reference columns', () => {
  it('keeps numeric values sorted with their distinct decile edges, as numpy.quantile computes them', () => {
    const column = referenceColumn('numeric', [5, 1, 4, '2', 3, null, '', 'x']);
    if (column.kind !== 'numeric') throw new Error('expected a numeric column');
    expect(column.values).toEqual([1, 2, 3, 4, 5]);
    [1, 1.4, 1.8, 2.2, 2.6, 3, 3.4, 3.8, 4.2, 4.6, 5].forEach((edge, i) => expect(column.edges[i]).toBeCloseTo(edge, 12));
    expect(referenceColumn('numeric', [2, 2, 2])).toEqual({ kind: 'numeric', values: [2, 2, 2], edges: [2] });
    expect(quantile([0, 10], 0.25)).toBe(2.5);
  });

  it('counts categories, leaving out missing values', () => {
    expect(referenceColumn('categorical', ['b', 'a', 'a', null, ''])).toEqual({ kind: 'categorical', counts: { a: 2, b: 1 }, total: 3 });
  });

  it('treats categories named like object members as plain categories', () => {
    const column = referenceColumn('categorical', ['constructor', 'constructor', 'toString', 'nurse']);
    expect(column).toEqual({ kind: 'categorical', counts: { constructor: 2, nurse: 1, toString: 1 }, total: 4 });
    const drift = compareColumn(column, ['constructor', 'nurse', 'valueOf', '__proto__'], LIMITS);
    expect(Number.isFinite(drift.psi)).toBe(true);
    expect(Number.isFinite(drift.chiSquarePValue)).toBe(true);
    expect(drift.currentCount).toBe(4);
  });
});

describe('column drift', () => {
  it('does not flag a sample from the same distribution', () => {
    const drift = compareColumn(referenceColumn('numeric', normal(2000, 1)), normal(1000, 2), LIMITS);
    expect(drift.drifted).toBe(false);
    expect(drift.psi).toBeLessThan(0.05);
    expect(drift.ksPValue).toBeGreaterThan(0.01);
  });

  it('flags a shifted numeric feature, with the figures in the reasons', () => {
    const drift = compareColumn(referenceColumn('numeric', normal(2000, 1)), normal(1000, 2, 1), LIMITS);
    expect(drift.drifted).toBe(true);
    expect(drift.reasons).toHaveLength(2);
    expect(drift.reasons[0]).toMatch(/^PSI \d+(\.\d+)? ≥ 0.2$/);
    expect(drift.reasons[1]).toMatch(/^KS p-value .+ < 0.01 \(D = 0\.\d+\)$/);
  });

  it('flags a categorical feature whose shares moved, and buckets unseen values as (other)', () => {
    const reference = referenceColumn('categorical', [...Array(500).fill('red'), ...Array(500).fill('blue')]);
    const same = compareColumn(reference, [...Array(240).fill('red'), ...Array(260).fill('blue')], LIMITS);
    expect(same.drifted).toBe(false);
    const moved = compareColumn(reference, [...Array(100).fill('red'), ...Array(300).fill('blue'), ...Array(100).fill('green')], LIMITS);
    expect(moved.drifted).toBe(true);
    expect(moved.chiSquarePValue).toBeLessThan(1e-10);
    expect(moved.reasons.join('; ')).toContain('chi-square p-value');
    expect(OTHER).toBe('(other)');
  });

  it('turns a test off with a limit of 0', () => {
    const drift = compareColumn(referenceColumn('numeric', normal(500, 1)), normal(500, 2, 0.3), { psi: 100, ksPValue: 0, chiSquarePValue: 0 });
    expect(drift.ksPValue).toBeLessThan(0.01);
    expect(drift.drifted).toBe(false);
  });
});

describe('assessing a window of served predictions', () => {
  const reference: ReferenceProfile = {
    format: 'custody-reference/v1',
    modelVersionId: 'v1',
    rows: 1000,
    features: [
      { name: 'a', ...referenceColumn('numeric', normal(1000, 1)) },
      { name: 'b', ...referenceColumn('numeric', normal(1000, 2)) },
      { name: 'colour', ...referenceColumn('categorical', Array.from({ length: 1000 }, (_, i) => (i % 2 ? 'red' : 'blue'))) },
    ],
    prediction: referenceColumn('categorical', Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 'yes' : 'no'))),
  };
  const served = (n: number, shiftA = 0, label?: (i: number) => string): ServedRow[] => {
    const a = normal(n, 3, shiftA);
    const b = normal(n, 4);
    return a.map((value, i) => ({
      modelVersionId: 'v1',
      inputs: { a: value, b: b[i]!, colour: i % 2 ? 'red' : 'blue' },
      output: { value: i % 4 === 0 ? 'yes' : 'no', probabilities: { yes: i % 4 === 0 ? 0.8 : 0.2, no: i % 4 === 0 ? 0.2 : 0.8 } },
      label: label ? label(i) : null,
    }));
  };
  const assess = (rows: ServedRow[], extra?: Record<string, unknown>) =>
    assessDrift({ reference, rows, monitoring: monitoring(extra), evaluationThresholds: { accuracy: { min: 0.8 } }, task: 'classification' });

  it('is ok when nothing moved', () => {
    const result = assess(served(400));
    expect(result).toMatchObject({ status: 'ok', driftedFeatures: [], findings: { drift: false, prediction: false, performance: false }, reasons: [] });
    expect(result.features.map((f) => f.name)).toEqual(['a', 'b', 'colour']);
  });

  it('names exactly the drifted feature', () => {
    const result = assess(served(400, 1.5));
    expect(result.status).toBe('drift');
    expect(result.driftedFeatures).toEqual(['a']);
    expect(result.reasons[0]).toMatch(/^feature a drifted: PSI/);
  });

  it('reports insufficient data below minRows and decides nothing', () => {
    const result = assess(served(20, 3));
    expect(result).toMatchObject({ status: 'insufficient_data', features: [], findings: { drift: false, prediction: false, performance: false } });
    expect(result.reasons).toEqual(['only 20 predictions were served in the window; a check needs at least 50']);
  });

  it('honours per-feature limits, ignored features and minFeatures', () => {
    expect(assess(served(400, 1.5), { drift: { features: { a: { ignore: true } } } }).driftedFeatures).toEqual([]);
    const loose = assess(served(400, 1.5), { drift: { features: { a: { psi: 1000, ksPValue: 0 } } } });
    expect(loose.driftedFeatures).toEqual([]);
    const two = assess(served(400, 1.5), { drift: { minFeatures: 2 } });
    expect(two).toMatchObject({ status: 'ok', driftedFeatures: ['a'], findings: { drift: false } });
    expect(two.reasons).toContain('1 feature(s) drifted; 2 must for the input to count as drifted');
  });

  it('judges performance on labelled predictions against the evaluation thresholds, once there are enough labels', () => {
    // Every label says the opposite of the prediction: accuracy 0.
    const wrong = (i: number) => (i % 4 === 0 ? 'no' : 'yes');
    const degraded = assess(served(400, 0, wrong));
    expect(degraded.status).toBe('degraded');
    expect(degraded.performance).toMatchObject({ labelled: 400, judged: true, metrics: { accuracy: 0 } });
    expect(degraded.reasons).toEqual(['performance: accuracy 0 is below the minimum 0.8 on the labelled production data']);
    const few = assess(served(400, 0, (i) => (i < 10 ? wrong(i) : (null as never))));
    expect(few.performance).toMatchObject({ labelled: 10, judged: false, failures: [] });
    expect(few.status).toBe('ok');
    const own = assess(served(400, 0, wrong), { performance: { thresholds: { accuracy: { min: 0 } } } });
    expect(own.status).toBe('ok');
  });
});
