// One benchmark fit in a worker thread, as a Custody trial trains: builds the rows, fits, scores.
import { parentPort, workerData } from 'node:worker_threads';
import { classificationMetrics } from '../ml/metrics.js';
import { fromRows } from '../ml/matrix.js';
import { binMatrix } from '../ml/trees/bins.js';
import { fitBoosting, predictBoosting } from '../ml/trees/boosting.js';
import { fitForest, predictForest } from '../ml/trees/forest.js';
import { benchmarkTask } from './training-data.js';

const { model, rows, features } = workerData as { model: 'random-forest' | 'gradient-boosting'; rows: number; features: number };
const train = benchmarkTask(rows, features, rows + features);
const test = benchmarkTask(Math.min(20_000, rows), features, 99);
const X = fromRows(train.X);
const y = Int32Array.from(train.y);
const started = performance.now();
const binned = binMatrix(X);
const predict =
  model === 'random-forest'
    ? ((trees) => () => predictForest(trees, fromRows(test.X)).map((r) => Array.from(r)))(
        fitForest(binned, { kind: 'classes', y, classes: 2 }, { trees: 100, maxDepth: 1e9, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: Math.floor(Math.sqrt(features)), bootstrap: true, seed: 0 }),
      )
    : ((boosted) => () => predictBoosting(boosted, fromRows(test.X)))(fitBoosting(binned, y, 'binary', 2, { maxIterations: 100, learningRate: 0.1, maxLeafNodes: 31, maxDepth: 1e9, minSamplesLeaf: 20, l2: 0 }));
const seconds = (performance.now() - started) / 1000;
const probabilities = predict();
const auc = classificationMetrics(test.y.map(String), { values: probabilities.map((r) => (r[1]! > 0.5 ? '1' : '0')), probabilities, classes: ['0', '1'] }).rocAuc!;
parentPort!.postMessage({ seconds, auc });
