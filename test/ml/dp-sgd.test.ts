import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom, shuffled } from '../../domain/random.js';
import { fitLogistic, predictLogistic } from '../../ml/linear/logistic.js';
import { matrix, type Matrix } from '../../ml/matrix.js';
import { addNoise, clipToNorm, fitLogisticDp } from '../../ml/privacy/dp-sgd.js';
import { gaussian } from '../../ml/privacy/secure-random.js';
import { dpSgdEpsilon, noiseForEpsilon } from '../../ml/privacy/rdp-accountant.js';
import { PROJECT_ROOT } from '../../paths.js';

const norm = (v: Float64Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

/** The breast-cancer data (569 rows, 30 numeric features), standardised, split 75/25 with a fixed seed. */
function breastCancer() {
  const rows = readFileSync(path.join(PROJECT_ROOT, 'examples/breast-cancer-sklearn/breast-cancer.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
  const target = Object.keys(rows[0]!).find((k) => typeof rows[0]![k] === 'string' || k === 'target' || k === 'diagnosis')!;
  const features = Object.keys(rows[0]!).filter((k) => k !== target);
  const labels = [...new Set(rows.map((r) => String(r[target])))].sort();
  const order = shuffled(rows.map((_, i) => i), seededRandom(11));
  const cut = Math.floor(rows.length * 0.75);
  const stats = features.map((f) => {
    const values = order.slice(0, cut).map((i) => Number(rows[i]![f]));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
    return { mean, sd };
  });
  const part = (positions: number[]): { X: Matrix; y: Int32Array } => ({
    X: matrix(positions.length, features.length, Float64Array.from(positions.flatMap((i) => features.map((f, j) => (Number(rows[i]![f]) - stats[j]!.mean) / stats[j]!.sd)))),
    y: Int32Array.from(positions, (i) => labels.indexOf(String(rows[i]![target]))),
  });
  return { train: part(order.slice(0, cut)), test: part(order.slice(cut)) };
}

const accuracy = (probabilities: number[][], y: Int32Array) => probabilities.filter((p, i) => (p[1]! > 0.5 ? 1 : 0) === y[i]).length / y.length;

describe('DP-SGD', () => {
  it('clips every per-example gradient to the clip norm, keeping its direction, and leaves smaller ones alone', () => {
    const big = Float64Array.from([3, 4]);
    expect(clipToNorm(big, 1)).toBe(5);
    expect(norm(big)).toBeCloseTo(1, 12);
    expect(big[0]! / big[1]!).toBeCloseTo(0.75, 12);
    const small = Float64Array.from([0.3, 0.4]);
    clipToNorm(small, 1);
    expect(Array.from(small)).toEqual([0.3, 0.4]);
    const random = seededRandom(3);
    for (let i = 0; i < 200; i++) {
      const g = Float64Array.from({ length: 31 }, () => (random() - 0.5) * 100 * random());
      clipToNorm(g, 0.7);
      expect(norm(g)).toBeLessThanOrEqual(0.7 + 1e-12);
    }
  });

  it('adds Gaussian noise whose scale is clipNorm × noiseMultiplier', () => {
    const sum = new Float64Array(200_000);
    addNoise(sum, 1.5, 0.8, gaussian(seededRandom(9)));
    const mean = sum.reduce((a, b) => a + b, 0) / sum.length;
    const sd = Math.sqrt(sum.reduce((a, b) => a + (b - mean) ** 2, 0) / sum.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd / (1.5 * 0.8)).toBeCloseTo(1, 2);
  });

  const { train, test } = breastCancer();
  const options = { clipNorm: 1, batchSize: 64, epochs: 20, learningRate: 0.5, C: 1, delta: 1e-5 };
  const samplingRate = options.batchSize / train.X.rows;
  const steps = Math.ceil((options.epochs * train.X.rows) / options.batchSize);

  it('draws fresh lots and noise on every fit: the same data and settings never give the same model twice', () => {
    const fits = Array.from({ length: 3 }, () => fitLogisticDp(train.X, train.y, 2, { ...options, noiseMultiplier: 1.1 }).coef[0]!);
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) expect(fits[a]).not.toEqual(fits[b]);
  });

  it('meets a target ε with the noise it finds, reports what it spent, and costs little accuracy against the non-private fit', () => {
    const { noiseMultiplier } = noiseForEpsilon({ samplingRate, steps, delta: options.delta, targetEpsilon: 3 });
    const model = fitLogisticDp(train.X, train.y, 2, { ...options, noiseMultiplier });
    expect(model.privacy.epsilon).toBeLessThanOrEqual(3);
    expect(model.privacy.epsilon).toBeCloseTo(dpSgdEpsilon({ samplingRate, noiseMultiplier, steps, delta: 1e-5 }).epsilon, 12);
    expect(model.privacy).toMatchObject({ mechanism: 'dp-sgd', steps, clipNorm: 1, delta: 1e-5 });
    const privateAccuracy = accuracy(predictLogistic(model, test.X), test.y);
    const plain = fitLogistic(train.X, train.y, 2, { C: 1, maxIterations: 500, tolerance: 1e-6 });
    const plainAccuracy = accuracy(predictLogistic(plain, test.X), test.y);
    const majority = Math.max(...[0, 1].map((k) => test.y.filter((v) => v === k).length)) / test.y.length;
    expect(plainAccuracy).toBeGreaterThan(0.95);
    expect(privateAccuracy).toBeGreaterThan(majority + 0.2);
    expect(plainAccuracy - privateAccuracy).toBeLessThan(0.06);
  });
});
