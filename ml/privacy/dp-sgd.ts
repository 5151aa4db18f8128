import type { PrivacyReport } from '../../domain/evaluation/reports.js';
import { exampleLossGradient, type LogisticModel } from '../linear/logistic.js';
import type { Matrix } from '../matrix.js';
import { dpSgdEpsilon } from './rdp-accountant.js';
import { gaussian, secureUniform } from './secure-random.js';

export interface DpSgdOptions {
  /** Each per-example gradient is scaled down to at most this L2 norm: the sensitivity of a step. */
  clipNorm: number;
  /** σ: the noise added to each step's summed gradient has standard deviation σ × clipNorm. */
  noiseMultiplier: number;
  /** The expected lot size: each row joins a step's lot independently with probability batchSize / n (Poisson sampling). */
  batchSize: number;
  epochs: number;
  learningRate: number;
  /** Inverse L2 strength, as in the non-private fit (the penalty is data-independent and costs no privacy). */
  C: number;
  delta: number;
}

export type { PrivacyReport };

/** Scales `gradient` in place to an L2 norm of at most `clipNorm`; returns the norm it had. */
export function clipToNorm(gradient: Float64Array, clipNorm: number): number {
  let squares = 0;
  for (const g of gradient) squares += g * g;
  const norm = Math.sqrt(squares);
  if (norm > clipNorm) {
    const scale = clipNorm / norm;
    for (let j = 0; j < gradient.length; j++) gradient[j]! *= scale;
  }
  return norm;
}

/** Adds N(0, (σ × clipNorm)²) to every coordinate of `sum`: the Gaussian mechanism on a clipped sum. */
export function addNoise(sum: Float64Array, noiseMultiplier: number, clipNorm: number, normal: () => number): void {
  const scale = noiseMultiplier * clipNorm;
  for (let j = 0; j < sum.length; j++) sum[j]! += scale * normal();
}

/**
 * Logistic regression trained with DP-SGD (Abadi et al., 2016): each step draws a Poisson-sampled lot,
 * clips every example's gradient to `clipNorm`, adds Gaussian noise to their sum, and divides by the
 * expected lot size. The ε spent is computed with the Rényi-DP accountant for exactly these steps.
 * The lots and the noise are drawn from the operating system's secure generator, never from a seed, so
 * no two fits are alike and nobody can regenerate the noise of a published model (the weights start at
 * zero; the seed of a run still fixes its split). Binary problems fit one weight vector, more classes a softmax.
 */
export function fitLogisticDp(X: Matrix, y: Int32Array, classes: number, options: DpSgdOptions): LogisticModel & { privacy: PrivacyReport } {
  if (classes < 2) throw new Error('logistic regression needs at least two classes in the training data');
  const { rows: n, cols: d } = X;
  const samplingRate = Math.min(1, options.batchSize / n);
  const steps = Math.ceil((options.epochs * n) / options.batchSize);
  const vectors = classes === 2 ? 1 : classes;
  const width = d + 1;
  const w = new Float64Array(vectors * width);
  const random = secureUniform();
  const normal = gaussian(random);
  const perExample = new Float64Array(w.length);
  const sum = new Float64Array(w.length);
  const z = new Float64Array(vectors);
  const penalty = 1 / (options.C * n);
  for (let step = 0; step < steps; step++) {
    sum.fill(0);
    for (let i = 0; i < n; i++) {
      if (random() >= samplingRate) continue;
      exampleLossGradient(X.data.subarray(i * d, i * d + d), y[i]!, w, vectors, z, perExample);
      clipToNorm(perExample, options.clipNorm);
      for (let j = 0; j < sum.length; j++) sum[j]! += perExample[j]!;
    }
    addNoise(sum, options.noiseMultiplier, options.clipNorm, normal);
    const lot = samplingRate * n;
    for (let k = 0; k < vectors; k++) {
      for (let j = 0; j < width; j++) {
        const at = k * width + j;
        const regulariser = j < d ? penalty * w[at]! : 0;
        w[at]! -= options.learningRate * (sum[at]! / lot + regulariser);
      }
    }
  }
  const { epsilon } = dpSgdEpsilon({ samplingRate, noiseMultiplier: options.noiseMultiplier, steps, delta: options.delta });
  return {
    classes,
    features: d,
    coef: Array.from({ length: vectors }, (_, k) => Array.from(w.subarray(k * width, (k + 1) * width))),
    fit: { solver: 'dp-sgd', steps },
    privacy: { mechanism: 'dp-sgd', epsilon, delta: options.delta, noiseMultiplier: options.noiseMultiplier, clipNorm: options.clipNorm, samplingRate, steps, epochs: options.epochs, batchSize: options.batchSize, accountant: 'rdp' },
  };
}
