import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classificationMetrics } from '../activities/evaluation/metrics.js';
import { seededRandom } from '../domain/random.js';
import { fromRows, type Matrix } from '../ml/matrix.js';
import { binMatrix } from '../ml/trees/bins.js';
import { fitBoosting, predictBoosting } from '../ml/trees/boosting.js';
import { fitForest, predictForest } from '../ml/trees/forest.js';

export interface TrainingFigure {
  shape: string;
  model: string;
  seconds: number;
  auc: number;
  sklearnSeconds: number | null;
  sklearnAuc: number | null;
}

/** A binary task with a non-linear signal in the first five of `features` columns, the rest noise. */
function dataset(rows: number, features: number, seed: number): { X: number[][]; y: number[] } {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: features }, normal);
    const score = 0.8 * x[0]! - 0.6 * x[1]! + 0.5 * x[2]! * x[3]! + 0.7 * Math.sin(2 * x[4]!) + 0.8 * normal();
    X.push(x.map((v) => Number(v.toFixed(6))));
    y.push(score > 0.4 ? 1 : 0);
  }
  return { X, y };
}

const SKLEARN = `
import sys, time, os
import numpy as np
from sklearn.ensemble import RandomForestClassifier, HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
train = np.loadtxt(sys.argv[1], delimiter=','); test = np.loadtxt(sys.argv[2], delimiter=',')
for name, model in [('random-forest', RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0)),
                    ('gradient-boosting', HistGradientBoostingClassifier(max_iter=100, early_stopping=False))]:
    t = time.perf_counter(); model.fit(train[:, :-1], train[:, -1]); seconds = time.perf_counter() - t
    print(name, seconds, roc_auc_score(test[:, -1], model.predict_proba(test[:, :-1])[:, 1]))
`;

/** scikit-learn's fit times and test AUC on the same files, on one core as a Custody trial has. */
function sklearnFigures(trainFile: string, testFile: string): Map<string, { seconds: number; auc: number }> {
  const out = new Map<string, { seconds: number; auc: number }>();
  const result = spawnSync('/usr/bin/python3', ['-c', SKLEARN, trainFile, testFile], {
    encoding: 'utf8',
    timeout: 1_800_000,
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (result.status !== 0) return out;
  for (const line of result.stdout.trim().split('\n')) {
    const [name, seconds, auc] = line.split(' ');
    out.set(name!, { seconds: Number(seconds), auc: Number(auc) });
  }
  return out;
}

const auc = (y: number[], p: number[][]) =>
  classificationMetrics(y.map(String), { values: p.map((r) => (r[1]! > 0.5 ? '1' : '0')), probabilities: p, classes: ['0', '1'] }).rocAuc!;

function timed<T>(work: () => T): { value: T; seconds: number } {
  const t = performance.now();
  const value = work();
  return { value, seconds: (performance.now() - t) / 1000 };
}

/** Random forest (100 trees) and gradient boosting (100 rounds) fitted by Custody and by scikit-learn on the same rows. */
export function trainingBench(shapes: [number, number][] = [[5000, 10], [100_000, 20]]): TrainingFigure[] {
  const figures: TrainingFigure[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-bench-training-'));
  try {
    for (const [rows, features] of shapes) {
      const train = dataset(rows, features, rows + features);
      const test = dataset(Math.min(20_000, rows), features, 99);
      const write = (name: string, d: { X: number[][]; y: number[] }) => {
        const file = path.join(dir, name);
        writeFileSync(file, d.X.map((x, i) => [...x, d.y[i]].join(',')).join('\n'));
        return file;
      };
      const sklearn = sklearnFigures(write(`train-${rows}.csv`, train), write(`test-${rows}.csv`, test));
      const X: Matrix = fromRows(train.X);
      const Xtest = fromRows(test.X);
      const y = Int32Array.from(train.y);
      const forest = timed(() =>
        fitForest(binMatrix(X), { kind: 'classes', y, classes: 2 }, { trees: 100, maxDepth: 1e9, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: Math.floor(Math.sqrt(features)), bootstrap: true, seed: 0 }),
      );
      const boosted = timed(() => fitBoosting(binMatrix(X), y, 'binary', 2, { maxIterations: 100, learningRate: 0.1, maxLeafNodes: 31, maxDepth: 1e9, minSamplesLeaf: 20, l2: 0 }));
      const shape = `${rows.toLocaleString('en')} × ${features}`;
      for (const [model, fit, probabilities] of [
        ['random-forest', forest, () => predictForest(forest.value, Xtest).map((r) => Array.from(r))],
        ['gradient-boosting', boosted, () => predictBoosting(boosted.value, Xtest)],
      ] as const) {
        const reference = sklearn.get(model);
        figures.push({ shape, model, seconds: fit.seconds, auc: auc(test.y, probabilities()), sklearnSeconds: reference?.seconds ?? null, sklearnAuc: reference?.auc ?? null });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
