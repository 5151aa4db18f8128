import { seededRandom } from '../../domain/random.js';
import type { Matrix } from '../matrix.js';
import type { Binned } from './bins.js';
import { growCart, type CartTarget } from './cart.js';
import { leafOf, type Tree } from './tree.js';

export interface ForestOptions {
  trees: number;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxFeatures: number;
  /** Each tree sees a bootstrap sample (drawn with replacement) when true, every row once when false. */
  bootstrap: boolean;
  seed: number;
  /** Per-row weights (class weights), multiplied into the bootstrap counts. */
  sampleWeight?: Float64Array;
  /** Called after each tree, so a long fit can report progress. */
  onTree?: (done: number) => void;
}

/**
 * A random forest as scikit-learn's `RandomForestClassifier`/`Regressor` grows it: bootstrap samples,
 * a random subset of features per split, fully grown CART trees by default. A classifier's
 * probabilities are the mean of its trees' leaf class shares, not votes.
 */
export function fitForest(data: Binned, target: CartTarget, options: ForestOptions): Tree[] {
  const trees: Tree[] = [];
  const n = data.rows;
  for (let t = 0; t < options.trees; t++) {
    const random = seededRandom((Math.imul(options.seed + 1, 0x9e3779b1) + Math.imul(t + 1, 0x85ebca6b)) >>> 0);
    const weights = new Float64Array(n);
    if (options.bootstrap) for (let draw = 0; draw < n; draw++) weights[Math.floor(random() * n)]!++;
    else weights.fill(1);
    if (options.sampleWeight) for (let i = 0; i < n; i++) weights[i]! *= options.sampleWeight[i]!;
    trees.push(growCart(data, target, weights, { ...options, random }));
    options.onTree?.(t + 1);
  }
  return trees;
}

/** The mean over trees of each row's leaf values: `width` numbers per row. */
export function predictForest(trees: readonly Tree[], X: Matrix): Float64Array[] {
  const width = trees[0]?.width ?? 1;
  const out = Array.from({ length: X.rows }, () => new Float64Array(width));
  for (const tree of trees) {
    for (let i = 0; i < X.rows; i++) {
      const at = leafOf(tree, X, i) * width;
      const row = out[i]!;
      for (let k = 0; k < width; k++) row[k]! += tree.values[at + k]!;
    }
  }
  for (const row of out) for (let k = 0; k < width; k++) row[k]! /= trees.length;
  return out;
}
