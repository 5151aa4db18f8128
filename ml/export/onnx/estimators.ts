import type { BuiltInModelArtifact } from '../../artifact.js';
import type { LogisticModel } from '../../linear/logistic.js';
import type { LinearModel } from '../../linear/ridge.js';
import type { BoostedModel } from '../../trees/boosting.js';
import { decodeTree, type EncodedTree, type Tree } from '../../trees/tree.js';
import { BATCH, doubleTensor, ML, type Attribute, type GraphBuilder } from './graph.js';
import { DataType } from '../../onnx/proto.js';

/** The graph's outputs: `label` (the class, or the value for regression) and a classifier's `probabilities`. */
export const OUTPUTS = { label: 'label', probabilities: 'probabilities' } as const;

/**
 * The fitted model on the input matrix `X` [N, width] (doubles), with the graph's outputs: `label` [N] (the class
 * as text, or the value as a double) and, for a classifier, `probabilities` [N, classes] (floats, as ONNX-ML's
 * operators give them) in Custody's class order.
 */
export function addEstimator(g: GraphBuilder, artifact: BuiltInModelArtifact, X: string, width: number): void {
  const classes = artifact.classes ?? [];
  switch (artifact.trainer) {
    case 'logistic-regression':
      return logistic(g, artifact.model as LogisticModel, classes, X, width);
    case 'linear-regression':
    case 'ridge-regression': {
      // coef · x + intercept in doubles, with the core operators (ONNX Runtime's LinearRegressor takes floats only).
      const model = artifact.model as LinearModel;
      if (model.coef.length !== width) throw new Error(`the linear model has ${model.coef.length} coefficients for ${width} inputs`);
      const product = g.op('MatMul', [X, g.doubles('coefficients', model.coef, [width, 1])]);
      return regressionOutput(g, g.op('Add', [product, g.doubles('intercept', [model.intercept], [])], {}, 'value'));
    }
    case 'random-forest': {
      const trees = (artifact.model as { trees: EncodedTree[] }).trees.map(decodeTree);
      if (artifact.task === 'regression') {
        const Y = g.op('TreeEnsembleRegressor', [X], { ...nodesOf(trees), ...votes('target', trees, () => [0]), n_targets: { int: 1 }, aggregate_function: { string: 'AVERAGE' } }, 'value', ML);
        return regressionOutput(g, g.op('Cast', [g.declare(Y, DataType.FLOAT, [BATCH, { dim_value: 1 }])], { to: { int: DataType.DOUBLE } }));
      }
      // Probabilities are the trees' mean leaf class shares: one target per class, averaged over the trees, as Custody
      // sums them in doubles and divides. (ONNX-ML's classifier only sums, and reads two classes as a binary score.)
      const K = classes.length;
      const outputs = [{ exact: g.reserve(OUTPUTS.probabilities) }];
      g.node('TreeEnsembleRegressor', [X], { ...nodesOf(trees), ...votes('target', trees, () => range(K)), n_targets: { int: K }, aggregate_function: { string: 'AVERAGE' } }, { domain: ML, outputs });
      g.declare(OUTPUTS.probabilities, DataType.FLOAT, [BATCH, { dim_value: K }]);
      const best = g.op('ArgMax', [OUTPUTS.probabilities], { axis: { int: 1 }, keepdims: { int: 0 }, select_last_index: { int: 0 } }, 'class_index');
      g.node('LabelEncoder', [best], { keys_int64s: { ints: range(K) }, values_strings: { strings: classes }, default_string: { string: '' } }, { domain: ML, outputs: [{ exact: g.reserve(OUTPUTS.label) }] });
      return declareClassifierOutputs(g, classes);
    }
    case 'gradient-boosting': {
      const stored = artifact.model as Omit<BoostedModel, 'rounds'> & { rounds: EncodedTree[][] };
      const trees = stored.rounds.flatMap((round) => round.map(decodeTree));
      const scores = stored.scores;
      const base = { base_values_as_tensor: { tensor: doubleTensor(stored.baseline) } };
      if (stored.loss === 'squared') {
        const Y = g.op('TreeEnsembleRegressor', [X], { ...nodesOf(trees), ...votes('target', trees, () => [0]), n_targets: { int: 1 }, aggregate_function: { string: 'SUM' }, ...base }, 'value', ML);
        return regressionOutput(g, g.op('Cast', [g.declare(Y, DataType.FLOAT, [BATCH, { dim_value: 1 }])], { to: { int: DataType.DOUBLE } }));
      }
      if (stored.loss === 'binary') {
        // One score, the log odds of the second class, through the logistic: [1 − p, p], and the second class when
        // the score is above 0. This is ONNX-ML's binary form (every vote for class 0, one base value), as
        // scikit-learn's converters write it.
        const binaryVotes = voteList('class', trees, () => [0]);
        return classifier(g, X, classes, { ...nodesOf(trees), ...withNegativeVote(binaryVotes), ...base, post_transform: { string: 'LOGISTIC' } });
      }
      // One score per class (a tree per class each round), through softmax.
      return classifier(g, X, classes, { ...nodesOf(trees), ...votes('class', trees, (t) => [t % scores]), ...base, post_transform: { string: 'SOFTMAX' } });
    }
  }
}

function logistic(g: GraphBuilder, model: LogisticModel, classes: string[], X: string, width: number): void {
  if (model.features !== width) throw new Error(`the logistic model has ${model.features} coefficients per class for ${width} inputs`);
  // Two classes have one weight vector, the log odds of the second: (0, that) through softmax is its logistic, [1 − p, p].
  const rows = model.classes === 2 ? [new Array<number>(width + 1).fill(0), model.coef[0]!] : model.coef;
  const coefficients = rows.flatMap((row) => row.slice(0, width));
  const intercepts = rows.map((row) => row[width]!);
  classifier(g, X, classes, { coefficients: { floats: coefficients }, intercepts: { floats: intercepts }, post_transform: { string: 'SOFTMAX' } }, 'LinearClassifier');
}

function classifier(g: GraphBuilder, X: string, classes: string[], attributes: Record<string, Attribute>, op = 'TreeEnsembleClassifier'): void {
  const outputs = [{ exact: g.reserve(OUTPUTS.label) }, { exact: g.reserve(OUTPUTS.probabilities) }];
  g.node(op, [X], { ...attributes, classlabels_strings: { strings: classes } }, { domain: ML, outputs });
  declareClassifierOutputs(g, classes);
}

function declareClassifierOutputs(g: GraphBuilder, classes: string[]): void {
  g.output(OUTPUTS.label, DataType.STRING, [BATCH], 'the class with the highest probability (the first of equals)');
  g.output(OUTPUTS.probabilities, DataType.FLOAT, [BATCH, { dim_value: classes.length }], `each class's probability, in the order ${JSON.stringify(classes)}`);
}

/** A regressor's [N, 1] doubles as `label` [N]. */
function regressionOutput(g: GraphBuilder, Y: string): void {
  g.node('Reshape', [Y, g.int64s('flat', [-1])], {}, { outputs: [{ exact: g.reserve(OUTPUTS.label) }] });
  g.output(OUTPUTS.label, DataType.DOUBLE, [BATCH], 'the predicted value');
}

/**
 * The trees' nodes. Custody sends a row left when its value is not above the threshold (`x <= t`), so every split is
 * BRANCH_LEQ with the left child as its true branch, and a NaN (which the preprocessing never produces) goes left
 * too, as Custody's `x > t` is false for it. Thresholds are doubles (`nodes_values_as_tensor`), compared with the
 * input's doubles: no threshold is rounded to a float.
 */
function nodesOf(trees: Tree[]): Record<string, Attribute> {
  const out = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], modes: [] as string[], values: [] as number[], trues: [] as number[], falses: [] as number[], missing: [] as number[] };
  trees.forEach((tree, t) => {
    for (let i = 0; i < tree.feature.length; i++) {
      const leaf = tree.feature[i]! < 0;
      out.treeids.push(t);
      out.nodeids.push(i);
      out.featureids.push(leaf ? 0 : tree.feature[i]!);
      out.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      out.values.push(leaf ? 0 : tree.threshold[i]!);
      out.trues.push(leaf ? 0 : tree.left[i]!);
      out.falses.push(leaf ? 0 : tree.right[i]!);
      out.missing.push(leaf ? 0 : 1);
    }
  });
  return {
    nodes_treeids: { ints: out.treeids },
    nodes_nodeids: { ints: out.nodeids },
    nodes_featureids: { ints: out.featureids },
    nodes_modes: { strings: out.modes },
    nodes_values_as_tensor: { tensor: doubleTensor(out.values) },
    nodes_truenodeids: { ints: out.trues },
    nodes_falsenodeids: { ints: out.falses },
    nodes_missing_value_tracks_true: { ints: out.missing },
  };
}

interface Votes {
  treeids: number[];
  nodeids: number[];
  ids: number[];
  weights: number[];
}

/** Each leaf's votes: for tree `t`, one per id of `idsOf(t)`, the leaf's value at that position (its class share, or its one value). */
function voteList(prefix: 'class' | 'target', trees: Tree[], idsOf: (t: number) => number[]): Votes & { prefix: 'class' | 'target' } {
  const out: Votes & { prefix: 'class' | 'target' } = { prefix, treeids: [], nodeids: [], ids: [], weights: [] };
  trees.forEach((tree, t) => {
    const ids = idsOf(t);
    for (let i = 0; i < tree.feature.length; i++) {
      if (tree.feature[i]! >= 0) continue;
      const at = tree.right[i]! * tree.width;
      ids.forEach((id, k) => {
        out.treeids.push(t);
        out.nodeids.push(i);
        out.ids.push(id);
        out.weights.push(tree.values[at + (tree.width === 1 ? 0 : k)]!);
      });
    }
  });
  return out;
}

/**
 * ONNX Runtime reads a binary ensemble whose votes are all at least 0 as one of class shares, and skips the logistic
 * (onnxruntime#27533). Boosted trees nearly always have a negative leaf; when none has, a vote of +1 and one of −1
 * on the first leaf make one, and add nothing.
 */
function withNegativeVote(v: Votes & { prefix: 'class' | 'target' }): Record<string, Attribute> {
  if (v.weights.every((w) => w >= 0) && v.treeids.length > 0) {
    for (const w of [1, -1]) {
      v.treeids.push(v.treeids[0]!);
      v.nodeids.push(v.nodeids[0]!);
      v.ids.push(v.ids[0]!);
      v.weights.push(w);
    }
  }
  return attributesOf(v);
}

function attributesOf(v: Votes & { prefix: 'class' | 'target' }): Record<string, Attribute> {
  return {
    [`${v.prefix}_treeids`]: { ints: v.treeids },
    [`${v.prefix}_nodeids`]: { ints: v.nodeids },
    [`${v.prefix}_ids`]: { ints: v.ids },
    [`${v.prefix}_weights_as_tensor`]: { tensor: doubleTensor(v.weights) },
  };
}

const votes = (prefix: 'class' | 'target', trees: Tree[], idsOf: (t: number) => number[]) => attributesOf(voteList(prefix, trees, idsOf));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
