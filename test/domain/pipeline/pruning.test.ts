import { describe, expect, it } from 'vitest';
import { medianCurve, pruneRound, stopsAt, PRUNING_STARTUP_TRIALS } from '../../../domain/pipeline/pruning.js';
import { claims, splitOf } from '../../../bench/datasets.js';
import { trainBuiltIn, predictBuiltIn } from '../../../ml/trainers/built-in.js';
import { classificationMetrics } from '../../../ml/metrics.js';
import { parsePipelineSpec } from '../../../domain/pipeline/spec.js';

describe('median pruning', () => {
  it('takes per round the median of the curves that reached it, once five are known', () => {
    const curves = [[0.5, 0.4, 0.3], [0.6, 0.5], [0.7, 0.45, 0.2], [0.4, 0.35, 0.34, 0.33], [0.55, 0.5, 0.4]];
    expect(medianCurve(curves.slice(0, PRUNING_STARTUP_TRIALS - 1))).toEqual([]);
    expect(medianCurve(curves)).toEqual([0.55, 0.45, 0.32, 0.33]);
  });

  it('stops a trial only past the warm-up, and only where its best so far is worse than that round\'s median', () => {
    const pruning = { warmupRounds: 2, medians: [0.5, 0.4, 0.3, 0.2] };
    expect(stopsAt(1, 9, pruning)).toBe(false);
    expect(stopsAt(2, 9, pruning)).toBe(false);
    expect(stopsAt(3, 0.3, pruning)).toBe(false);
    expect(stopsAt(3, 0.31, pruning)).toBe(true);
    expect(stopsAt(5, 9, pruning)).toBe(false); // no earlier trial reached round 5
    expect(pruneRound([0.9, 0.9, 0.31, 0.25], pruning)).toBe(3);
    expect(pruneRound([0.9, 0.9, 0.29, 0.25], pruning)).toBe(4);
    expect(pruneRound([0.9, 0.9, 0.29, 0.2], pruning)).toBeNull();
    // Judged by its best so far: a loss that rose after a good round does not stop it while that round beats the median.
    expect(pruneRound([0.9, 0.35, 0.25, 0.3], { warmupRounds: 2, medians: [0.5, 0.4, 0.3, 0.28] })).toBeNull();
  });

  it('stops the boosted trees at the round asked, having reported the validation loss of the model as it then was', () => {
    const dataset = claims();
    const split = splitOf(dataset);
    const rows = split.train.slice(0, 2000);
    const curve: number[] = [];
    const artifact = trainBuiltIn({
      trainer: 'gradient-boosting', task: 'classification', rows, target: dataset.target, features: dataset.features, seed: 1,
      params: { maxIter: 40, earlyStopping: false },
      watch: { rows: split.validation, onLoss: (round, loss) => (curve.push(loss), round === 7 ? 'stop' : 'continue') },
    });
    expect(curve).toHaveLength(7);
    expect((artifact.model as { rounds: unknown[] }).rounds).toHaveLength(7);
    const seven = classificationMetrics(split.validation.map((r) => String(r[dataset.target])), predictBuiltIn(artifact, split.validation));
    expect(curve[6]).toBeCloseTo(seven.logLoss!, 9);
    expect(curve[6]).toBeLessThan(curve[0]!);
  });
});

describe('the search section', () => {
  const base = { name: 'p', dataset: { name: 'd' }, task: 'classification', target: 'y', evaluation: { primaryMetric: 'rocAuc' } };
  const issues = (training: unknown) => {
    const parsed = parsePipelineSpec({ ...base, training });
    return parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('accepts tpe with pruning and warm start, and names every field it refuses', () => {
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe', trials: 30, pruning: 'median', warmupRounds: 5, warmStart: true, space: { learningRate: { low: 0.01, high: 0.3, log: true }, maxLeafNodes: { low: 8, high: 128, type: 'int' } } } })).toEqual([]);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe' } })).toEqual(['training.search.trials: is required for tpe search', 'training.search.space: tpe needs something to search: give a range or a list']);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe', trials: 9, warmupRounds: 5, space: { l2Regularization: [0, 1] } } })).toEqual(['training.search.warmupRounds: is for pruning: median']);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe', trials: 9, space: { minSamplesLeaf: { low: 0, high: 100, type: 'int', log: true } } } })).toEqual(['training.search.space.minSamplesLeaf.min: must be positive for a log-scale range']);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe', trials: 9, space: { minSamplesLeaf: { low: 0.6, high: 100, type: 'int', log: true } } } })).toEqual(['training.search.space.minSamplesLeaf: a whole-number range takes whole-number bounds']);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe', trials: 9, space: { maxLeafNodes: { min: 2.5, max: 9, integer: true } } } })).toEqual(['training.search.space.maxLeafNodes: a whole-number range takes whole-number bounds']);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'halving', trials: 9, pruning: 'median', space: { learningRate: { low: 0.01, high: 0.3 } } } })).toEqual(['training.search.pruning: halving prunes by its rungs already; pruning is for tpe or random search']);
    expect(issues({ trainer: 'random-forest', search: { strategy: 'tpe', trials: 9, pruning: 'median', space: { maxDepth: [4, 8] } } })).toEqual(['training.search.pruning: needs a gradient-boosting candidate: only boosted trees report a validation loss per round']);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'random', trials: 9, warmStart: true } })).toEqual(['training.search.warmStart: is for tpe search, which learns from the trials it begins with']);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe', trials: 9, space: { minSamplesLeaf: { low: 1, high: 100, type: 'int', log: true } } } })).toEqual([]);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe', trials: 9, space: { learningRate: { low: 0, high: 0.3, log: true } } } })).toEqual(['training.search.space.learningRate.min: must be positive for a log-scale range']);
    expect(issues({ trainer: 'gradient-boosting', search: { strategy: 'tpe', trials: 9, space: { maxLeafNodes: { low: 8, high: 128, type: 'integer' } } } })[0]).toMatch(/^training\.search\.space\.maxLeafNodes/);
  });
});
