import { ENGINE, type BuiltInModelArtifact } from '../artifact.js';
import type { Matrix } from '../matrix.js';
import type { LinearModel } from '../linear/ridge.js';
import type { LogisticModel } from '../linear/logistic.js';
import type { BoostedModel } from '../trees/boosting.js';
import type { Tree } from '../trees/tree.js';
import type { Generator } from '../features/columns.js';
import { decoded, inputMatrix } from '../trainers/built-in.js';
import type { Row } from '../../storage/read-rows.js';
import { depthOf, expectedValue, TreeShap } from './tree-shap.js';

/** Thrown when a model cannot be explained (trained before explanations, or privately): bad input, not a fault. */
export class ExplanationError extends Error {
  override readonly name = 'ExplanationError';
}

/**
 * What an explanation explains: the model's output before its link. `identity` for a regression value or a forest's
 * class share; `logit` for a binary classifier's log-odds of its positive class; `softmax` for a multi-class
 * classifier's raw score of the class it predicted.
 */
export type Link = 'identity' | 'logit' | 'softmax';

/** One row's explanation: base + Σ contributions = output, exactly (to rounding). */
export interface RowExplanation {
  /** The class whose output is explained (classification), or the target (regression). */
  of: string;
  link: Link;
  /** The expected output over the training data. */
  base: number;
  output: number;
  /** Per raw input column, largest magnitude first; a one-hot group summed back to its column. */
  contributions: { feature: string; value: number }[];
}

/**
 * Exact SHAP values for built-in models: path-dependent TreeSHAP for the forest and the boosted trees, the exact
 * linear form (with the training inputs' means as the baseline) for the linear models. Computed on the model's own
 * inputs, then summed back to the raw columns they came from (an interaction's share split evenly between its two).
 */
export function explainBuiltIn(artifact: BuiltInModelArtifact, rows: Row[]): RowExplanation[] {
  assertExplainable(artifact);
  const X = inputMatrix(artifact, rows);
  const { phi, base, outputs } = attributions(artifact, X);
  const sources = inputSources(artifact);
  const names = [...new Set(sources.flat())];
  return rows.map((_, i) => {
    const k = explainedOutput(outputs, phi, base, X.cols, i);
    const sums = new Map(names.map((name) => [name, 0]));
    let output = base[k]!;
    for (let j = 0; j < X.cols; j++) {
      const value = phi[i]![j * outputs + k]!;
      output += value;
      for (const source of sources[j]!) sums.set(source, sums.get(source)! + value / sources[j]!.length);
    }
    const contributions = [...sums].map(([feature, value]) => ({ feature, value })).sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.feature.localeCompare(b.feature));
    return { ...describe(artifact, outputs, k), base: base[k]!, output, contributions };
  });
}

/** Refuses, as an ExplanationError, a model trained by the first version's libraries (it has neither covers nor means). */
export function assertExplainable(artifact: BuiltInModelArtifact): void {
  if (artifact.engine !== ENGINE) throw new ExplanationError("this model was trained by an earlier version of Custody's learners; reproduce the run to explain it");
}

/**
 * TreeSHAP's work per row (leaves × depth², summed over trees) or a linear model's (its inputs): what a caller bounds
 * before explaining, since the work runs where it is asked for.
 */
export function explanationCost(artifact: BuiltInModelArtifact): number {
  assertExplainable(artifact);
  const model = decoded(artifact);
  const trees = artifact.trainer === 'random-forest' ? (model as Tree[]) : artifact.trainer === 'gradient-boosting' ? (model as BoostedModel).rounds.flat() : [];
  if (trees.length === 0) return Math.max(1, artifact.features.length) * 10;
  let cost = 0;
  for (const tree of trees) cost += ((tree.feature.length + 1) / 2) * Math.max(1, depthOf(tree)) ** 2;
  return cost;
}

export interface Attributions {
  /** Per row: inputs × outputs, output-minor. */
  phi: Float64Array[];
  base: Float64Array;
  outputs: number;
}

export function attributions(artifact: BuiltInModelArtifact, X: Matrix): Attributions {
  const model = decoded(artifact);
  switch (artifact.trainer) {
    case 'random-forest': {
      const trees = model as Tree[];
      return treeAttributions(trees, X, trees[0]?.width ?? 1, 1 / trees.length, new Float64Array(trees[0]?.width ?? 1));
    }
    case 'gradient-boosting': {
      const boosted = model as BoostedModel;
      const trees = boosted.rounds.flat();
      return treeAttributions(trees, X, boosted.scores, 1, Float64Array.from(boosted.baseline), (t) => t % boosted.scores);
    }
    case 'logistic-regression': {
      const logistic = model as LogisticModel & { means?: number[] };
      const rows = logistic.classes === 2 ? [logistic.coef[0]!] : logistic.coef;
      return linearAttributions(X, rows.map((c) => ({ coef: c.slice(0, X.cols), intercept: c[X.cols]! })), logistic.means);
    }
    case 'linear-regression':
    case 'ridge-regression': {
      const linear = model as LinearModel & { means?: number[] };
      return linearAttributions(X, [{ coef: linear.coef, intercept: linear.intercept }], linear.means);
    }
  }
}

/**
 * Σ over trees of `scale` × each tree's SHAP values, on output `outputOf(t)` for a one-output tree (boosting: tree t
 * scores class t mod K) or on every output of a wide tree (a forest classifier's class shares).
 */
function treeAttributions(trees: Tree[], X: Matrix, outputs: number, scale: number, base: Float64Array, outputOf?: (t: number) => number): Attributions {
  if (trees.some((t) => !t.cover)) throw new ExplanationError('this model was trained before Custody recorded how its training rows split; reproduce the run to explain it');
  let deepest = 0;
  for (const tree of trees) deepest = Math.max(deepest, depthOf(tree));
  const shap = new TreeShap(deepest);
  const phi = Array.from({ length: X.rows }, () => new Float64Array(X.cols * outputs));
  const scratch = new Float64Array(X.cols);
  trees.forEach((tree, t) => {
    const expected = expectedValue(tree);
    const k = outputOf?.(t);
    for (let c = 0; c < expected.length; c++) base[k ?? c]! += scale * expected[c]!;
    for (let i = 0; i < X.rows; i++) {
      const x = X.data.subarray(i * X.cols, (i + 1) * X.cols);
      if (k === undefined) {
        shap.explain(tree, x, phi[i]!, scale);
        continue;
      }
      scratch.fill(0);
      shap.explain(tree, x, scratch, scale);
      for (let j = 0; j < X.cols; j++) phi[i]![j * outputs + k]! += scratch[j]!;
    }
  });
  return { phi, base, outputs };
}

/** φ_j = w_j (x_j − mean_j) per output; the base is the output at the means. */
function linearAttributions(X: Matrix, outputs: { coef: number[]; intercept: number }[], means: number[] | undefined): Attributions {
  if (!means) throw new ExplanationError('this model keeps no training means to explain from (it was trained privately, or before explanations); reproduce a non-private run to explain it');
  const K = outputs.length;
  const base = Float64Array.from(outputs, (o) => o.intercept + o.coef.reduce((sum, w, j) => sum + w * means[j]!, 0));
  const phi = Array.from({ length: X.rows }, (_, i) => {
    const row = new Float64Array(X.cols * K);
    for (let j = 0; j < X.cols; j++) for (let k = 0; k < K; k++) row[j * K + k] = outputs[k]!.coef[j]! * (X.data[i * X.cols + j]! - means[j]!);
    return row;
  });
  return { phi, base, outputs: K };
}

/** The output explained for row i: the only one, the positive class's share, or the predicted class's raw score. */
function explainedOutput(outputs: number, phi: Float64Array[], base: Float64Array, cols: number, i: number): number {
  if (outputs === 1) return 0;
  if (outputs === 2) return 1;
  let best = 0;
  let bestScore = -Infinity;
  for (let k = 0; k < outputs; k++) {
    let score = base[k]!;
    for (let j = 0; j < cols; j++) score += phi[i]![j * outputs + k]!;
    if (score > bestScore) [best, bestScore] = [k, score];
  }
  return best;
}

function describe(artifact: BuiltInModelArtifact, outputs: number, k: number): Pick<RowExplanation, 'of' | 'link'> {
  const classes = artifact.classes;
  if (!classes) return { of: artifact.target, link: 'identity' };
  if (artifact.trainer === 'random-forest') return { of: classes[k]!, link: 'identity' };
  if (outputs === 1) return { of: classes[1]!, link: 'logit' };
  return { of: classes[k]!, link: 'softmax' };
}

/** For each of the model's input columns, the raw columns it was made from. */
export function inputSources(artifact: BuiltInModelArtifact): string[][] {
  if (artifact.featurePipeline) return artifact.featurePipeline.columns.map((c) => sourcesOf(c.generator));
  return artifact.features.flatMap((f) => (f.kind === 'numeric' ? [[f.name]] : f.categories!.map(() => [f.name])));
}

function sourcesOf(generator: Generator): string[] {
  if (generator.kind === 'product') return [...new Set([...sourcesOf(generator.left), ...sourcesOf(generator.right)])];
  return [generator.column];
}
