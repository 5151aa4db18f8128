import type { Matrix } from '../matrix.js';

/** A linear model: `coef · x + intercept`. */
export interface LinearModel {
  coef: number[];
  intercept: number;
}

/**
 * Least squares with an optional L2 penalty `alpha ||w||²` (the intercept is not penalised), solved
 * exactly from the normal equations on centred data by a Cholesky factorisation. `alpha = 0` is
 * ordinary least squares; collinear columns (one-hot groups) then get a vanishing ridge, which gives
 * the minimum-norm solution's predictions, as scikit-learn's `LinearRegression` does.
 */
export function fitRidge(X: Matrix, y: Float64Array, alpha: number, intercept = true): LinearModel {
  const { rows: n, cols: d } = X;
  const meanX = new Float64Array(d);
  let meanY = 0;
  if (intercept && n > 0) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) meanX[j]! += X.data[i * d + j]!;
      meanY += y[i]!;
    }
    for (let j = 0; j < d; j++) meanX[j]! /= n;
    meanY /= n;
  }
  const gram = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = X.data[i * d + j]! - meanX[j]!;
    const target = y[i]! - meanY;
    for (let a = 0; a < d; a++) {
      const va = centred[a]!;
      if (va === 0) continue;
      rhs[a]! += va * target;
      for (let b = a; b < d; b++) gram[a * d + b]! += va * centred[b]!;
    }
  }
  let trace = 0;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) gram[a * d + b] = gram[b * d + a]!;
    trace += gram[a * d + a]!;
  }
  const jitter = alpha > 0 ? alpha : 1e-10 * Math.max(trace / Math.max(1, d), 1e-12);
  for (let a = 0; a < d; a++) gram[a * d + a]! += jitter;
  const coef = Array.from(solveCholesky(gram, rhs, d));
  let b0 = meanY;
  for (let j = 0; j < d; j++) b0 -= coef[j]! * meanX[j]!;
  return { coef, intercept: intercept ? b0 : 0 };
}

export function predictLinear(model: LinearModel, X: Matrix): number[] {
  const d = X.cols;
  const out = new Array<number>(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let s = model.intercept;
    for (let j = 0; j < d; j++) s += model.coef[j]! * X.data[i * d + j]!;
    out[i] = s;
  }
  return out;
}

/** Solves A x = b for a symmetric positive definite A (d×d, row-major), overwriting nothing. */
function solveCholesky(A: Float64Array, b: Float64Array, d: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      if (i === j) L[i * d + i] = Math.sqrt(Math.max(s, 1e-300));
      else L[i * d + j] = s / L[j * d + j]!;
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * d + k]! * z[k]!;
    z[i] = s / L[i * d + i]!;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < d; k++) s -= L[k * d + i]! * x[k]!;
    x[i] = s / L[i * d + i]!;
  }
  return x;
}
