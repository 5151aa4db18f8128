import { describe, expect, it } from 'vitest';
import { metricAxisExtent } from '../../domain/pipeline/metric-range.js';
import { bestIndex, championFailure, thresholdFailures } from '../../domain/pipeline/decisions.js';
import { halvingRungs, searchTrials } from '../../domain/pipeline/search.js';
import { parsePipelineSpec } from '../../domain/pipeline/spec.js';

const base = {
  name: 'p',
  dataset: { name: 'd', version: 'latest' },
  task: 'classification',
  target: 'y',
  training: { trainer: 'random-forest' },
  evaluation: { primaryMetric: 'accuracy' },
};

describe('pipeline spec', () => {
  it('fills defaults', () => {
    const parsed = parsePipelineSpec(base);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.spec.split).toEqual({ testFraction: 0.2, validationFraction: 0.2, seed: 42 });
    expect(parsed.spec.training.search).toEqual({ strategy: 'grid', parallelism: 2, space: {} });
    expect(parsed.spec.deployment.production).toEqual({ canary: [], bakeTime: '0s' });
  });

  it('reports every offending field with its path', () => {
    const parsed = parsePipelineSpec({
      ...base,
      name: 'Not A Name',
      task: 'regression',
      extra: 1,
      training: { trainer: 'command', taskQueue: 'gpu pool!', search: { strategy: 'random', space: { depth: { min: 5, max: 1 } } } },
      gates: [{ name: 'g' }, { name: 'g', onTimeout: 'escalate' }],
      deployment: { production: { canary: [50, 10] } },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => i.path).sort()).toEqual([
      'deployment.production.canary',
      'evaluation.primaryMetric',
      'extra',
      'gates.1.escalateTo',
      'gates.1.name',
      'name',
      'training.command',
      'training.search.space.depth.min',
      'training.search.trials',
      'training.taskQueue',
    ]);
  });
});

/** The parameter sets a one-trainer spec searches. */
const searchCandidates = (training: Parameters<typeof searchTrials>[0]) => searchTrials(training).map((plan) => plan.params);

describe('search candidates', () => {
  it('expand a grid over the fixed params', () => {
    const parsed = parsePipelineSpec({ ...base, training: { trainer: 'random-forest', params: { minNumSamples: 2 }, search: { space: { a: [1, 2], b: ['x', 'y'] } } } });
    if (!parsed.ok) throw new Error('bad spec');
    expect(searchCandidates(parsed.spec.training)).toEqual([
      { minNumSamples: 2, a: 1, b: 'x' },
      { minNumSamples: 2, a: 1, b: 'y' },
      { minNumSamples: 2, a: 2, b: 'x' },
      { minNumSamples: 2, a: 2, b: 'y' },
    ]);
  });

  it('draw the same random candidates for the same seed, within their ranges', () => {
    const spec = { ...base, training: { trainer: 'random-forest', seed: 7, search: { strategy: 'random', trials: 5, space: { n: { min: 10, max: 50, integer: true }, lr: { min: 0.001, max: 1, log: true } } } } };
    const parsed = parsePipelineSpec(spec);
    if (!parsed.ok) throw new Error('bad spec');
    const first = searchCandidates(parsed.spec.training);
    expect(first).toHaveLength(5);
    expect(searchCandidates(parsed.spec.training)).toEqual(first);
    for (const c of first) {
      expect(Number.isInteger(c.n) && (c.n as number) >= 10 && (c.n as number) <= 50).toBe(true);
      expect((c.lr as number) >= 0.001 && (c.lr as number) <= 1).toBe(true);
    }
  });
});

describe('decisions', () => {
  it('name every missed threshold', () => {
    expect(thresholdFailures({ accuracy: 0.8, rmse: 2 }, { accuracy: { min: 0.9 }, rmse: { max: 1 }, f1: { min: 0.5 } })).toEqual([
      'accuracy 0.8 is below the minimum 0.9 on the test data',
      'rmse 2 is above the maximum 1 on the test data',
      'f1 could not be computed on the test data',
    ]);
  });

  it('pick the best candidate in the metric direction', () => {
    expect(bestIndex([{ metrics: { rmse: 3 } }, { metrics: { rmse: 1 } }, { metrics: { rmse: 2 } }], 'rmse')).toBe(1);
    expect(bestIndex([{ metrics: { f1: 0.5 } }, { metrics: { f1: 0.9 } }], 'f1')).toBe(1);
  });

  it('require the challenger to beat the champion by the margin', () => {
    expect(championFailure('accuracy', 0.91, 0.9, 0.005, 'v1')).toBeNull();
    expect(championFailure('accuracy', 0.9, 0.9, 0.005, 'v1')).toBe('accuracy 0.9 does not beat the production champion v1 (0.9) by the required 0.005');
    expect(championFailure('rmse', 1.5, 2, 0.1, 'v3')).toBeNull();
    expect(championFailure('rmse', 2.5, 2, 0, 'v3')).not.toBeNull();
  });
});

describe('monitoring section of the spec', () => {
  it('fills the monitoring defaults', () => {
    const parsed = parsePipelineSpec(base);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.spec.monitoring).toEqual({
      window: '24h',
      maxRows: 10_000,
      minRows: 100,
      drift: { psi: 0.2, ksPValue: 0.01, chiSquarePValue: 0.01, features: {}, minFeatures: 1 },
      prediction: { psi: 0.2 },
      performance: { minLabels: 30 },
      retrain: { on: ['drift', 'performance'] },
    });
  });

  it('names every bad monitoring field', () => {
    const parsed = parsePipelineSpec({
      ...base,
      monitoring: {
        window: 'daily',
        maxRows: 2_000_000,
        drift: { psi: -1, features: { x: { ksPValue: 2, colour: 'red' } } },
        retrain: { on: ['drift', 'moon phase'] },
      },
    });
    if (parsed.ok) throw new Error('expected issues');
    expect(parsed.issues.map((i) => i.path).sort()).toEqual([
      'monitoring.drift.features.x.colour',
      'monitoring.drift.features.x.ksPValue',
      'monitoring.drift.psi',
      'monitoring.maxRows',
      'monitoring.retrain.on.1',
      'monitoring.window',
    ]);
  });

  it('refuses performance limits on metrics of the other task', () => {
    const parsed = parsePipelineSpec({ ...base, monitoring: { performance: { thresholds: { rmse: { max: 1 } } } } });
    expect(parsed).toEqual({
      ok: false,
      issues: [{ path: 'monitoring.performance.thresholds.rmse', message: 'rmse is not a classification metric; use one of accuracy, precision, recall, f1, rocAuc, logLoss' }],
    });
  });

  it('refuses minRows above maxRows', () => {
    const parsed = parsePipelineSpec({ ...base, monitoring: { minRows: 500, maxRows: 200 } });
    expect(parsed).toEqual({ ok: false, issues: [{ path: 'monitoring.minRows', message: 'must not exceed maxRows (200)' }] });
  });
});

describe('release strategies in the spec', () => {
  const gates = [{ name: 'promote' }];
  const production = (release: Record<string, unknown>) => ({ ...base, gates, deployment: { production: release } });

  it('fills the defaults of a shadow and an A/B test', () => {
    const shadow = parsePipelineSpec(production({ shadow: { duration: '2d', gate: 'promote', require: { agreement: 0.9 } } }));
    expect(shadow.ok && shadow.spec.deployment.production.shadow).toEqual({ duration: '2d', sample: 100, gate: 'promote', require: { agreement: 0.9, minLabelled: 30 } });
    const abTest = parsePipelineSpec(production({ abTest: { metric: 'logLoss', minimumDetectableEffect: 0.02, gate: 'promote' } }));
    expect(abTest.ok && abTest.spec.deployment.production.abTest).toEqual({ traffic: 50, metric: 'logLoss', minimumDetectableEffect: 0.02, alpha: 0.05, power: 0.8, maxDuration: '14d', checkEvery: '1h', gate: 'promote' });
  });

  it('names each field a release strategy gets wrong, with the reason', () => {
    const parsed = parsePipelineSpec({
      ...base,
      task: 'regression',
      evaluation: { primaryMetric: 'rmse' },
      gates,
      deployment: {
        production: {
          canary: [10],
          shadow: { duration: '0s', sample: 0, gate: 'nobody', require: { agreement: 0.9 } },
          abTest: { metric: 'accuracy', minimumDetectableEffect: 0, alpha: 0.5, maxDuration: '14d', checkEvery: '1m', gate: 'promote' },
        },
      },
    });
    if (parsed.ok) throw new Error('expected issues');
    expect(Object.fromEntries(parsed.issues.map((i) => [i.path, i.message]))).toEqual({
      'deployment.production.shadow.duration': 'must be longer than 0',
      'deployment.production.shadow.sample': expect.stringMatching(/>=1/),
      'deployment.production.abTest.minimumDetectableEffect': expect.stringMatching(/>0/),
      'deployment.production.abTest.alpha': expect.stringMatching(/<=0.2/),
      'deployment.production.shadow.gate': 'names no gate of this spec (promote)',
      'deployment.production.shadow.require.agreement': 'is for classification tasks (a regression shadow reports its differences)',
      'deployment.production.abTest.metric': 'accuracy is not a regression metric; use one of mae, mse',
      'deployment.production.abTest': 'replaces canary: give one or the other',
      'deployment.production.abTest.checkEvery': 'would look 20160 times in maxDuration; at most 1000: look less often',
    });
  });
});

describe('training candidates', () => {
  const candidates = [
    { trainer: 'logistic-regression', params: { C: 1 }, space: { C: [0.1, 1] } },
    { trainer: 'gradient-boosting', space: { learningRate: [0.05, 0.1], maxLeafNodes: [15, 31] } },
  ];

  it('search every candidate, each over its own space, in order', () => {
    const parsed = parsePipelineSpec({ ...base, training: { candidates } });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(searchTrials(parsed.spec.training)).toEqual([
      { trainer: 'logistic-regression', params: { C: 0.1 } },
      { trainer: 'logistic-regression', params: { C: 1 } },
      { trainer: 'gradient-boosting', params: { learningRate: 0.05, maxLeafNodes: 15 } },
      { trainer: 'gradient-boosting', params: { learningRate: 0.05, maxLeafNodes: 31 } },
      { trainer: 'gradient-boosting', params: { learningRate: 0.1, maxLeafNodes: 15 } },
      { trainer: 'gradient-boosting', params: { learningRate: 0.1, maxLeafNodes: 31 } },
    ]);
  });

  it('read the one-trainer form as one candidate, with the configurations it always had', () => {
    const parsed = parsePipelineSpec({ ...base, training: { trainer: 'random-forest', params: { nEstimators: 5 }, search: { space: { maxDepth: [3, 6] } } } });
    if (!parsed.ok) throw new Error('bad spec');
    expect(searchTrials(parsed.spec.training)).toEqual([
      { trainer: 'random-forest', params: { nEstimators: 5, maxDepth: 3 } },
      { trainer: 'random-forest', params: { nEstimators: 5, maxDepth: 6 } },
    ]);
  });

  it('refuse mixing the two forms, naming the field', () => {
    const mixed = parsePipelineSpec({ ...base, training: { trainer: 'random-forest', candidates } });
    expect(mixed.ok).toBe(false);
    if (mixed.ok) return;
    expect(mixed.issues).toEqual([{ path: 'training.candidates', message: 'give either training.trainer (one trainer) or training.candidates (several), not both' }]);
    const neither = parsePipelineSpec({ ...base, training: {} });
    expect(neither.ok || neither.issues).toEqual([{ path: 'training.trainer', message: 'is required (or give training.candidates to search several trainers)' }]);
    const stray = parsePipelineSpec({ ...base, training: { candidates, params: { C: 2 }, search: { space: { C: [1] } } } });
    expect(stray.ok || stray.issues.map((i) => i.path)).toEqual(['training.params', 'training.search.space']);
  });

  it('take an imported model as one file: its sha256 required, no params, candidates or features', () => {
    const model = 'a'.repeat(64);
    expect(parsePipelineSpec({ ...base, training: { trainer: 'imported', model } }).ok).toBe(true);
    const wrong = (training: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
      const parsed = parsePipelineSpec({ ...base, ...extra, training });
      return parsed.ok ? [] : parsed.issues.map((i) => `${i.path} ${i.message}`);
    };
    expect(wrong({ trainer: 'imported' })).toEqual(['training.model is required when trainer is imported: the sha256 of the ONNX file']);
    expect(wrong({ trainer: 'imported', model: 'abc' })).toEqual(['training.model must be the sha256 (64 lowercase hex digits) of an imported ONNX file']);
    expect(wrong({ trainer: 'imported', model, params: { C: 1 } })).toEqual(['training.params an imported model is trained already: it takes no params or search space']);
    expect(wrong({ trainer: 'imported', model }, { features: ['sepal_length'] })).toEqual(["features an imported model's inputs are its graph's: leave features out"]);
    expect(wrong({ candidates: [{ trainer: 'random-forest' }, { trainer: 'imported' }] })).toEqual(['training.candidates.1.trainer imported is a model already trained: give it as training.trainer, without candidates']);
    expect(wrong({ trainer: 'random-forest', model })).toEqual(['training.model is only for the imported trainer, not random-forest']);
  });

  it('check each candidate on its own path', () => {
    const parsed = parsePipelineSpec({ ...base, training: { candidates: [{ trainer: 'linear-regression' }, { trainer: 'command' }, { trainer: 'random-forest', space: { maxDepth: { min: 2, max: 9 } } }] } });
    expect(parsed.ok || parsed.issues.map((i) => `${i.path} ${i.message}`)).toEqual([
      'training.candidates.0.trainer linear-regression is for regression tasks',
      'training.candidates.1.command is required when trainer is command',
      'training.candidates.2.space.maxDepth grid search takes a list of values; ranges are for random or tpe search',
    ]);
  });
});

describe('successive halving', () => {
  it('keeps a third after each rung and trains the last on all rows', () => {
    expect(halvingRungs(27, 3, 100_000)).toEqual([
      { fraction: 1 / 27, keep: 9 },
      { fraction: 1 / 9, keep: 3 },
      { fraction: 1 / 3, keep: 1 },
      { fraction: 1, keep: 1 },
    ]);
    expect(halvingRungs(50, 3, 100_000).map((r) => r.keep)).toEqual([16, 5, 1, 1]);
  });

  it('has fewer rungs when the rows are few, and one when there is one configuration', () => {
    expect(halvingRungs(27, 3, 3000)).toEqual([
      { fraction: 1 / 9, keep: 9 },
      { fraction: 1 / 3, keep: 3 },
      { fraction: 1, keep: 1 },
    ]);
    expect(halvingRungs(1, 3, 100_000)).toEqual([{ fraction: 1, keep: 1 }]);
  });
});

describe('metric axes', () => {
  it('keeps a metric that lives between 0 and 1 within them, with a little room, and leaves others alone', () => {
    const f1 = metricAxisExtent('f1')!;
    expect([f1.min({ min: 0.95, max: 0.99 }), f1.max({ min: 0.95, max: 0.99 })]).toEqual([0.94, 1].map((v) => expect.closeTo(v, 9)));
    expect([f1.min({ min: 0.5, max: 0.7 }), f1.max({ min: 0.5, max: 0.7 })]).toEqual([0.48, 0.72].map((v) => expect.closeTo(v, 9)));
    expect([f1.min({ min: 0.02, max: 1 }), f1.max({ min: 0.02, max: 1 })]).toEqual([0, 1]);
    expect(f1.max({ min: 1, max: 1 })).toBe(1);
    // Ends on hundredths, as the console's screenshots showed 0.9421367521367522 before.
    expect([f1.min({ min: 0.9521367521, max: 0.9521367521 }), f1.max({ min: 0.9521367521, max: 0.9521367521 })]).toEqual([0.94, 0.97]);
    expect(metricAxisExtent('rmse')).toBeUndefined();
    expect(metricAxisExtent('r2')).toBeUndefined();
  });
});
