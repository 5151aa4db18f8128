import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { predictBuiltIn, trainBuiltIn } from '../../ml/trainers/built-in.js';
import { classificationMetrics, regressionMetrics } from '../../ml/metrics.js';
import { PROJECT_ROOT } from '../../paths.js';
import type { BuiltInTrainer } from '../../domain/pipeline/spec.js';
import type { Params } from '../../domain/pipeline/search.js';
import { benchmarkDatasets, splitIndices, splitOf, type BenchmarkDataset } from '../../bench/datasets.js';

type Score = number | { mean: number; min: number; max: number };
interface Reference {
  versions: Record<string, string>;
  datasets: Record<string, { rows: number; split_sha256: string; estimators: Partial<Record<BuiltInTrainer, Record<string, Score>>> }>;
}
const reference = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/trainers/reference.json'), 'utf8')) as Reference;

/** The parameters that make each trainer the scikit-learn estimator reference.py fits. */
const PARAMS: Record<BuiltInTrainer, Params> = {
  'logistic-regression': { C: 1 },
  'linear-regression': {},
  'ridge-regression': { alpha: 1 },
  'random-forest': { nEstimators: 100 },
  'gradient-boosting': { maxIter: 100, earlyStopping: false },
};

/** How far a metric may be from scikit-learn's: absolute for ROC AUC and accuracy, relative for log loss and RMSE. */
const TOLERANCE: Record<string, { absolute?: number; relative?: number }> = {
  rocAuc: { absolute: 0.01 },
  accuracy: { absolute: 0.01 },
  logLoss: { relative: 0.05 },
  rmse: { relative: 0.02 },
};

function withinTolerance(metric: string, ours: number, score: Score, testRows: number): boolean {
  const target = typeof score === 'number' ? score : score.mean;
  const { relative } = TOLERANCE[metric]!;
  // Accuracy moves in steps of one row: on a small test split (iris has 30 rows) one row is the finest tolerance there is.
  const absolute = metric === 'accuracy' ? Math.max(TOLERANCE.accuracy!.absolute!, 1 / testRows) : TOLERANCE[metric]!.absolute;
  const close = absolute !== undefined ? Math.abs(ours - target) <= absolute : Math.abs(ours - target) <= relative! * Math.abs(target);
  // A randomised estimator also passes inside scikit-learn's own spread over its five seeds.
  return close || (typeof score !== 'number' && ours >= score.min && ours <= score.max);
}

const datasets = await benchmarkDatasets();

/**
 * Every built-in trainer, on every benchmark dataset it applies to, scored on the test split and held
 * to scikit-learn's equivalent estimator fitted on the same training rows (test/fixtures/trainers).
 */
describe.each(datasets.map((d) => [d.name, d] as const))('built-in trainers against scikit-learn on %s', (name, dataset: BenchmarkDataset) => {
  const expected = reference.datasets[name]!;
  const split = splitOf(dataset);

  it('uses the split the reference values were computed on', () => {
    expect(dataset.rows).toHaveLength(expected.rows);
    expect(splitIndices(dataset).sha256).toBe(expected.split_sha256);
  });

  it.each(Object.keys(expected.estimators) as BuiltInTrainer[])('%s is within tolerance of scikit-learn', { timeout: 300_000 }, (trainer) => {
    const artifact = trainBuiltIn({ trainer, task: dataset.task, rows: split.train, target: dataset.target, features: dataset.features, params: PARAMS[trainer], seed: 0 });
    const predictions = predictBuiltIn(artifact, split.test);
    const ours =
      dataset.task === 'classification'
        ? classificationMetrics(split.test.map((r) => String(r[dataset.target])), predictions)
        : regressionMetrics(split.test.map((r) => Number(r[dataset.target])), predictions.values.map(Number));
    const wanted = expected.estimators[trainer]!;
    const report = Object.fromEntries(Object.entries(wanted).map(([metric, score]) => [metric, { ours: (ours as Record<string, number>)[metric], sklearn: score }]));
    for (const [metric, score] of Object.entries(wanted)) {
      const value = (ours as Record<string, number>)[metric]!;
      expect(withinTolerance(metric, value, score, split.test.length), `${trainer} on ${name}: ${JSON.stringify(report)}`).toBe(true);
    }
    if (trainer === 'logistic-regression') expect(artifact.report).toMatchObject({ solver: 'lbfgs', converged: true });
  });
});
