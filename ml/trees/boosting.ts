import type { Matrix } from '../matrix.js';
import type { Binned } from './bins.js';
import { growLeafwise, type LeafwiseOptions } from './grow-leafwise.js';
import { leafOf, type Tree } from './tree.js';

/** squared: regression; binary: log loss with one score; multinomial: softmax over one score per class. */
export type BoostLoss = 'squared' | 'binary' | 'multinomial';

export interface BoostOptions extends LeafwiseOptions {
  maxIterations: number;
  /** Per-row weights (class weights); 1 each when omitted. */
  sampleWeight?: Float64Array;
  /** Stop when the validation loss has not improved by `tolerance` for `patience` rounds, keeping the best round. */
  earlyStopping?: { X: Matrix; y: Float64Array | Int32Array; patience: number; tolerance: number };
  onIteration?: (done: number) => void;
  /** When given (one entry per feature), receives every split's gain: the model's gain importance. */
  gains?: Float64Array;
  /** Rows whose mean loss is reported after every round (pruning); training stops when `onLoss` says so. */
  watch?: { X: Matrix; y: Float64Array | Int32Array; onLoss: (round: number, loss: number) => 'continue' | 'stop' };
}

/**
 * Gradient-boosted trees on histograms: `baseline` plus, for every round, one tree per score
 * (`scores` = 1, or the number of classes for multinomial).
 */
export interface BoostedModel {
  loss: BoostLoss;
  scores: number;
  baseline: number[];
  /** rounds[r][k]: the tree of round r for score k. */
  rounds: Tree[][];
  /** Rounds run before early stopping (equal to rounds.length without it) and the validation loss per round. */
  iterationsRun: number;
  validationLoss?: number[];
}

export function fitBoosting(data: Binned, y: Float64Array | Int32Array, loss: BoostLoss, classes: number, options: BoostOptions): BoostedModel {
  const n = data.rows;
  const scores = loss === 'multinomial' ? classes : 1;
  const sw = options.sampleWeight ?? new Float64Array(n).fill(1);
  const baseline = baselineOf(y, loss, scores, sw);
  const raw = Array.from({ length: scores }, (_, k) => new Float64Array(n).fill(baseline[k]!));
  const gradients = Array.from({ length: scores }, () => new Float64Array(n));
  const hessians = Array.from({ length: scores }, () => new Float64Array(n));
  const stop = options.earlyStopping;
  const validationRaw = stop ? Array.from({ length: scores }, (_, k) => new Float64Array(stop.X.rows).fill(baseline[k]!)) : [];
  const watch = options.watch;
  const watchRaw = watch ? Array.from({ length: scores }, (_, k) => new Float64Array(watch.X.rows).fill(baseline[k]!)) : [];
  const rounds: Tree[][] = [];
  const validationLoss: number[] = [];
  let best = { loss: Number.POSITIVE_INFINITY, rounds: 0 };
  const pool: Float64Array[] = [];
  for (let round = 0; round < options.maxIterations; round++) {
    lossGradients(loss, y, raw, sw, gradients, hessians);
    const trees: Tree[] = [];
    for (let k = 0; k < scores; k++) {
      const { tree, added } = growLeafwise(data, gradients[k]!, hessians[k]!, options, pool, options.gains);
      const scoresK = raw[k]!;
      for (let i = 0; i < n; i++) scoresK[i]! += added[i]!;
      trees.push(tree);
      if (stop) for (let i = 0; i < stop.X.rows; i++) validationRaw[k]![i]! += tree.values[leafOf(tree, stop.X, i)]!;
      if (watch) for (let i = 0; i < watch.X.rows; i++) watchRaw[k]![i]! += tree.values[leafOf(tree, watch.X, i)]!;
    }
    rounds.push(trees);
    options.onIteration?.(round + 1);
    if (watch && watch.onLoss(round + 1, meanLoss(loss, watch.y, watchRaw)) === 'stop') break;
    if (!stop) continue;
    const current = meanLoss(loss, stop.y, validationRaw);
    validationLoss.push(current);
    if (current < best.loss - stop.tolerance) best = { loss: current, rounds: round + 1 };
    else if (round + 1 - best.rounds >= stop.patience) break;
  }
  const iterationsRun = rounds.length;
  if (stop) rounds.length = Math.max(1, best.rounds);
  return { loss, scores, baseline, rounds, iterationsRun, ...(stop ? { validationLoss } : {}) };
}

/** Raw scores per row: `scores` numbers each. */
export function rawScores(model: BoostedModel, X: Matrix): Float64Array[] {
  const out = Array.from({ length: X.rows }, () => Float64Array.from(model.baseline));
  for (const trees of model.rounds) {
    for (let k = 0; k < trees.length; k++) {
      const tree = trees[k]!;
      for (let i = 0; i < X.rows; i++) out[i]![k]! += tree.values[leafOf(tree, X, i)]!;
    }
  }
  return out;
}

/** Class probabilities (classification) or predicted values (regression, one number per row). */
export function predictBoosting(model: BoostedModel, X: Matrix): number[][] {
  return rawScores(model, X).map((s) => {
    if (model.loss === 'squared') return [s[0]!];
    if (model.loss === 'binary') {
      const p = sigmoid(s[0]!);
      return [1 - p, p];
    }
    return softmax(s);
  });
}

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

function softmax(s: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let k = 0; k < s.length; k++) max = Math.max(max, s[k]!);
  const e = Array.from(s, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function baselineOf(y: Float64Array | Int32Array, loss: BoostLoss, scores: number, sw: Float64Array): number[] {
  let total = 0;
  for (let i = 0; i < y.length; i++) total += sw[i]!;
  if (loss === 'squared') {
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += sw[i]! * y[i]!;
    return [sum / total];
  }
  const shares = new Float64Array(loss === 'binary' ? 2 : scores);
  for (let i = 0; i < y.length; i++) shares[y[i]!]! += sw[i]! / total;
  const clip = (p: number) => Math.min(1 - 1e-12, Math.max(1e-12, p));
  if (loss === 'binary') return [Math.log(clip(shares[1]!) / clip(shares[0]!))];
  return Array.from(shares, (p) => Math.log(clip(p)));
}

function lossGradients(loss: BoostLoss, y: Float64Array | Int32Array, raw: Float64Array[], sw: Float64Array, g: Float64Array[], h: Float64Array[]): void {
  const n = y.length;
  if (loss === 'squared') {
    for (let i = 0; i < n; i++) {
      g[0]![i] = sw[i]! * (raw[0]![i]! - y[i]!);
      h[0]![i] = sw[i]!;
    }
  } else if (loss === 'binary') {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(raw[0]![i]!);
      g[0]![i] = sw[i]! * (p - y[i]!);
      h[0]![i] = sw[i]! * p * (1 - p);
    }
  } else {
    const K = raw.length;
    const s = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) s[k] = raw[k]![i]!;
      const p = softmax(s);
      for (let k = 0; k < K; k++) {
        g[k]![i] = sw[i]! * (p[k]! - (y[i] === k ? 1 : 0));
        h[k]![i] = sw[i]! * p[k]! * (1 - p[k]!);
      }
    }
  }
}

/** Mean loss on held-out rows: squared error, or log loss. */
function meanLoss(loss: BoostLoss, y: Float64Array | Int32Array, raw: Float64Array[]): number {
  let total = 0;
  const n = y.length;
  for (let i = 0; i < n; i++) {
    if (loss === 'squared') total += (raw[0]![i]! - y[i]!) ** 2;
    else if (loss === 'binary') {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(raw[0]![i]!)));
      total -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    } else {
      const p = softmax(raw.map((r) => r[i]!));
      total -= Math.log(Math.max(1e-15, p[y[i]!]!));
    }
  }
  return n ? total / n : 0;
}
