import type { Matrix } from '../matrix.js';
import { minimize } from './lbfgs.js';

export interface LogisticOptions {
  /** Inverse L2 strength, as scikit-learn's C: the penalty is ||w||² / (2C); the intercept is not penalised. */
  C: number;
  maxIterations: number;
  tolerance: number;
  /** Per-row weights (class weights applied per row); 1 each when omitted. */
  sampleWeight?: Float64Array;
}

/** How the solver ended: reported with the model, so a fit that did not converge says so. */
export type FitReport = LbfgsReport | { solver: 'dp-sgd'; steps: number };

export interface LbfgsReport {
  solver: 'lbfgs';
  iterations: number;
  converged: boolean;
  gradientMaxAbs: number;
  tolerance: number;
  maxIterations: number;
}

/**
 * Logistic regression with an intercept and L2 regularisation, fitted by L-BFGS: one weight vector
 * for two classes, a multinomial (softmax) model for more, as scikit-learn's `LogisticRegression`.
 * `coef` holds one row of `features + 1` numbers (intercept last) per modelled class.
 */
export interface LogisticModel {
  classes: number;
  features: number;
  coef: number[][];
  fit: FitReport;
}

export function fitLogistic(X: Matrix, y: Int32Array, classes: number, options: LogisticOptions): LogisticModel {
  if (classes < 2) throw new Error('logistic regression needs at least two classes in the training data');
  const { rows: n, cols: d } = X;
  const sw = options.sampleWeight ?? new Float64Array(n).fill(1);
  let total = 0;
  for (let i = 0; i < n; i++) total += sw[i]!;
  const vectors = classes === 2 ? 1 : classes;
  const width = d + 1;
  const penalty = 1 / (options.C * total);
  const z = new Float64Array(vectors);
  const rowGradient = new Float64Array(vectors * width);
  const objective = (w: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const weight = sw[i]! / total;
      if (weight === 0) continue;
      loss += weight * exampleLossGradient(X.data.subarray(i * d, i * d + d), y[i]!, w, vectors, z, rowGradient);
      for (let j = 0; j < gradient.length; j++) gradient[j]! += weight * rowGradient[j]!;
    }
    for (let k = 0; k < vectors; k++) {
      for (let j = 0; j < d; j++) {
        const v = w[k * width + j]!;
        loss += 0.5 * penalty * v * v;
        gradient[k * width + j]! += penalty * v;
      }
    }
    return loss;
  };
  const result = minimize(objective, new Float64Array(vectors * width), { tolerance: options.tolerance, maxIterations: options.maxIterations });
  const coef = Array.from({ length: vectors }, (_, k) => Array.from(result.w.subarray(k * width, (k + 1) * width)));
  return {
    classes,
    features: d,
    coef,
    fit: { solver: 'lbfgs', iterations: result.iterations, converged: result.converged, gradientMaxAbs: result.gradientMaxAbs, tolerance: options.tolerance, maxIterations: options.maxIterations },
  };
}

/**
 * One example's log loss under the weights `w` (one block of `features + 1` per modelled class, intercept
 * last), with its gradient written to `out`: the logistic loss for one vector, the softmax loss for more.
 * `z` is scratch space of one number per vector. Shared by L-BFGS and DP-SGD.
 */
export function exampleLossGradient(row: Float64Array, label: number, w: Float64Array, vectors: number, z: Float64Array, out: Float64Array): number {
  const d = row.length;
  const width = d + 1;
  for (let k = 0; k < vectors; k++) {
    let s = w[k * width + d]!;
    for (let j = 0; j < d; j++) s += w[k * width + j]! * row[j]!;
    z[k] = s;
  }
  if (vectors === 1) {
    const t = z[0]!;
    const yi = label === 1 ? 1 : 0;
    const residual = 1 / (1 + Math.exp(-t)) - yi;
    for (let j = 0; j < d; j++) out[j] = residual * row[j]!;
    out[d] = residual;
    // log(1 + e^t) - y t, computed without overflow.
    return (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))) - yi * t;
  }
  let max = -Infinity;
  for (let k = 0; k < vectors; k++) max = Math.max(max, z[k]!);
  let sum = 0;
  for (let k = 0; k < vectors; k++) sum += Math.exp(z[k]! - max);
  const logSum = max + Math.log(sum);
  for (let k = 0; k < vectors; k++) {
    const residual = Math.exp(z[k]! - logSum) - (label === k ? 1 : 0);
    for (let j = 0; j < d; j++) out[k * width + j] = residual * row[j]!;
    out[k * width + d] = residual;
  }
  return logSum - z[label]!;
}

/** Class probabilities, one row of `classes` numbers per input row. */
export function predictLogistic(model: LogisticModel, X: Matrix): number[][] {
  const d = model.features;
  const out: number[][] = [];
  for (let i = 0; i < X.rows; i++) {
    const row = X.data.subarray(i * d, i * d + d);
    const z = model.coef.map((c) => {
      let s = c[d]!;
      for (let j = 0; j < d; j++) s += c[j]! * row[j]!;
      return s;
    });
    if (model.classes === 2) {
      const p = 1 / (1 + Math.exp(-z[0]!));
      out.push([1 - p, p]);
    } else {
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      out.push(e.map((v) => v / sum));
    }
  }
  return out;
}

/** Per-row weights for `balanced` (n / (classes × count)) or explicit class weights. */
export function classWeights(y: Int32Array, classes: number, weights: 'balanced' | number[]): Float64Array {
  const counts = new Float64Array(classes);
  for (const k of y) counts[k]!++;
  const perClass = weights === 'balanced' ? Array.from(counts, (c) => (c > 0 ? y.length / (classes * c) : 0)) : weights;
  return Float64Array.from(y, (k) => perClass[k]!);
}
