import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../domain/random.js';
import { claims, splitOf } from '../../bench/datasets.js';
import { attributions, explainBuiltIn, ExplanationError } from '../../ml/explain/explain.js';
import { explanationSummary } from '../../ml/explain/summary.js';
import { decoded, inputMatrix, predictBuiltIn, trainBuiltIn } from '../../ml/trainers/built-in.js';
import { rawScores, type BoostedModel } from '../../ml/trees/boosting.js';
import type { Tree } from '../../ml/trees/tree.js';
import type { BuiltInTrainer } from '../../domain/pipeline/spec.js';
import type { Row } from '../../storage/read-rows.js';

/** Six numeric columns with interactions and a missing value now and then: small enough to enumerate every coalition. */
function smallSet(task: 'classification' | 'regression' | 'three-classes'): { rows: Row[]; features: { name: string; kind: 'numeric' }[] } {
  const random = seededRandom(99);
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  const rows = Array.from({ length: 400 }, () => {
    const x = names.map(() => random() * 4 - 2);
    const signal = x[0]! * x[1]! + Math.sin(x[2]!) * 2 + (x[3]! > 0.5 ? 1.5 : -0.5) + 0.3 * random();
    const row: Row = Object.fromEntries(names.map((n, j) => [n, random() < 0.05 ? null : x[j]!]));
    row.y = task === 'classification' ? (signal > 0.4 ? 'yes' : 'no') : task === 'three-classes' ? (signal < -0.5 ? 'low' : signal < 1 ? 'mid' : 'high') : signal;
    return row;
  });
  return { rows, features: names.map((name) => ({ name, kind: 'numeric' as const })) };
}

/** E[f(x) | x_S] as the tree's covers estimate it: follow x on features in S, otherwise both branches by their covers. */
function conditional(tree: Tree, x: ArrayLike<number>, inS: (f: number) => boolean, node = 0): Float64Array {
  if (tree.feature[node]! < 0) return tree.values.slice(tree.right[node]! * tree.width, (tree.right[node]! + 1) * tree.width);
  const f = tree.feature[node]!;
  const [l, r] = [tree.left[node]!, tree.right[node]!];
  if (inS(f)) return conditional(tree, x, inS, x[f]! > tree.threshold[node]! ? r : l);
  const [vl, vr] = [conditional(tree, x, inS, l), conditional(tree, x, inS, r)];
  const c = tree.cover!;
  return vl.map((v, k) => (c[l]! * v + c[r]! * vr[k]!) / c[node]!);
}

/** Shapley values by enumerating all 2^M coalitions of the M inputs, for output k of Σ scale · tree. */
function bruteForce(trees: Tree[], scale: number, outputOf: (t: number) => number | undefined, x: ArrayLike<number>, M: number, k: number): number[] {
  const value = (mask: number) => trees.reduce((sum, tree, t) => {
    const o = outputOf(t);
    if (o !== undefined && o !== k) return sum;
    return sum + scale * conditional(tree, x, (f) => ((mask >> f) & 1) === 1)[o === undefined ? k : 0]!;
  }, 0);
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const values = Array.from({ length: 1 << M }, (_, mask) => value(mask));
  return Array.from({ length: M }, (_, i) => {
    let phi = 0;
    for (let mask = 0; mask < 1 << M; mask++) {
      if ((mask >> i) & 1) continue;
      const size = [...Array(M).keys()].filter((j) => (mask >> j) & 1).length;
      phi += ((factorial(size) * factorial(M - size - 1)) / factorial(M)) * (values[mask | (1 << i)]! - values[mask]!);
    }
    return phi;
  });
}

describe('TreeSHAP', () => {
  const cases: { trainer: BuiltInTrainer; task: 'classification' | 'regression' | 'three-classes'; params: Record<string, number | boolean> }[] = [
    { trainer: 'random-forest', task: 'classification', params: { nEstimators: 6, maxDepth: 6 } },
    { trainer: 'random-forest', task: 'three-classes', params: { nEstimators: 5, maxDepth: 6 } },
    { trainer: 'gradient-boosting', task: 'three-classes', params: { maxIter: 6, maxLeafNodes: 8, earlyStopping: false } },
    { trainer: 'random-forest', task: 'regression', params: { nEstimators: 6, maxDepth: 7 } },
    { trainer: 'gradient-boosting', task: 'classification', params: { maxIter: 12, maxLeafNodes: 15, earlyStopping: false } },
    { trainer: 'gradient-boosting', task: 'regression', params: { maxIter: 12, maxLeafNodes: 31, minSamplesLeaf: 5, earlyStopping: false } },
  ];
  for (const { trainer, task, params } of cases) {
    it(`equals the exact Shapley values of all 64 coalitions, to 1e-9: ${trainer}, ${task}`, () => {
      const { rows, features } = smallSet(task);
      const artifact = trainBuiltIn({ trainer, task: task === 'regression' ? 'regression' : 'classification', rows, target: 'y', features, params, seed: 3 });
      const X = inputMatrix(artifact, rows.slice(0, 25));
      const { phi, outputs } = attributions(artifact, X);
      const model = decoded(artifact);
      const [trees, scale, outputOf] =
        trainer === 'random-forest' ? [model as Tree[], 1 / (model as Tree[]).length, () => undefined] : [(model as BoostedModel).rounds.flat(), 1, (t: number) => t % (model as BoostedModel).scores];
      for (let i = 0; i < X.rows; i++) {
        const x = X.data.subarray(i * X.cols, (i + 1) * X.cols);
        for (let k = 0; k < outputs; k++) {
          const exact = bruteForce(trees, scale, outputOf, x, X.cols, k);
          exact.forEach((v, j) => expect(Math.abs(phi[i]![j * outputs + k]! - v), `row ${i}, input ${j}, output ${k}`).toBeLessThan(1e-9));
        }
      }
    });
  }
});

describe('explanations of every built-in trainer', () => {
  const dataset = claims();
  const split = splitOf(dataset);
  const train = split.train.slice(0, 2500);
  const logit = (p: number) => Math.log(p / (1 - p));
  const cases: { trainer: BuiltInTrainer; params: Record<string, number | boolean>; output: (artifact: any, rows: Row[]) => number[] }[] = [
    { trainer: 'random-forest', params: { nEstimators: 30, maxDepth: 10 }, output: (a, rows) => predictBuiltIn(a, rows).probabilities!.map((p) => p[1]!) },
    { trainer: 'gradient-boosting', params: { maxIter: 60 }, output: (a, rows) => rawScores(decoded(a) as BoostedModel, inputMatrix(a, rows)).map((s) => s[0]!) },
    { trainer: 'logistic-regression', params: {}, output: (a, rows) => predictBuiltIn(a, rows).probabilities!.map((p) => logit(p[1]!)) },
  ];
  for (const { trainer, params, output } of cases) {
    it(`adds up to the model's output on every row of the test split, per raw column: ${trainer}`, () => {
      const artifact = trainBuiltIn({ trainer, task: 'classification', rows: train, target: dataset.target, features: dataset.features, params, seed: 4 });
      const explanations = explainBuiltIn(artifact, split.test);
      const expected = output(artifact, split.test);
      explanations.forEach((e, i) => {
        expect(e.of).toBe('yes');
        expect(e.link).toBe(trainer === 'random-forest' ? 'identity' : 'logit');
        expect(Math.abs(e.output - expected[i]!), `row ${i}`).toBeLessThan(1e-6);
        expect(Math.abs(e.base + e.contributions.reduce((s, c) => s + c.value, 0) - expected[i]!)).toBeLessThan(1e-6);
        // One number per raw column: the one-hot columns of region, vehicle type and channel summed back to them.
        expect(e.contributions.map((c) => c.feature).sort()).toEqual(dataset.features.map((f) => f.name).sort());
      });
    });
  }

  it('explains a regression as its value, and a features section back to its raw columns (an interaction split between its two)', () => {
    const rows = train.map((r) => ({ ...r, target: Number(r.age) * 10 + (r.region === 'south' ? 50 : 0) }));
    const featureSection = { transforms: { annual_mileage: 'log' as const }, interactions: [['age', 'prior_claims']] as [string, string][], impute: { numeric: 'median' as const, categorical: 'missing' as const, indicators: true }, scale: 'auto' as const, oneHot: { minFrequency: 0 }, select: { dropConstant: true } };
    for (const trainer of ['ridge-regression', 'gradient-boosting'] as const) {
      const artifact = trainBuiltIn({ trainer, task: 'regression', rows, target: 'target', features: dataset.features, params: trainer === 'ridge-regression' ? { alpha: 1 } : { maxIter: 30 }, seed: 1, featureSection: featureSection as never });
      const predicted = predictBuiltIn(artifact, split.test).values as number[];
      for (const [i, e] of explainBuiltIn(artifact, split.test).entries()) {
        expect(e).toMatchObject({ of: 'target', link: 'identity' });
        expect(Math.abs(e.base + e.contributions.reduce((s, c) => s + c.value, 0) - predicted[i]!)).toBeLessThan(1e-6);
        expect(new Set(e.contributions.map((c) => c.feature))).toEqual(new Set(dataset.features.map((f) => f.name)));
      }
    }
  });
});

describe('the explanation summary of an evaluation', () => {
  const dataset = claims();
  const split = splitOf(dataset);
  const artifact = trainBuiltIn({ trainer: 'gradient-boosting', task: 'classification', rows: split.train.slice(0, 2000), target: dataset.target, features: dataset.features, params: { maxIter: 40 }, seed: 2 });

  it('never plots the values of a sensitive column, though its contribution (a number) is listed', () => {
    const open = explanationSummary(artifact, split.test, { seed: 1, sensitive: new Set() });
    if ('skipped' in open) throw new Error(open.skipped);
    const top = open.dependence[0]!.feature;
    const guarded = explanationSummary(artifact, split.test, { seed: 1, sensitive: new Set([top]) });
    if ('skipped' in guarded) throw new Error(guarded.skipped);
    expect(guarded.dependence.map((d) => d.feature)).not.toContain(top);
    expect(guarded.meanAbs.map((m) => m.feature)).toContain(top);
    expect(guarded.extremes.flatMap((e) => e.top.map((c) => c.feature))).not.toContain(top);
    expect(open.extremes.flatMap((e) => e.top.map((c) => c.feature))).toContain(top);
    expect(open.rows).toBe(1000); // of the 1,200 test rows, the most an evaluation explains
    // Mean |SHAP| is the mean over the rows explained of each column's absolute contribution (400 rows: all explained).
    const rows = split.test.slice(0, 400);
    const few = explanationSummary(artifact, rows, { seed: 1, sensitive: new Set() });
    if ('skipped' in few) throw new Error(few.skipped);
    const explained = explainBuiltIn(artifact, rows);
    const mean = explained.reduce((a, e) => a + Math.abs(e.contributions.find((c) => c.feature === top)!.value), 0) / explained.length;
    expect(few.rows).toBe(400);
    expect(few.meanAbs.find((m) => m.feature === top)!.value).toBeCloseTo(mean, 12);
  });

  it('keeps a column that shares an interaction with a sensitive one out of the per-row figures too', () => {
    const section = { interactions: [['age', 'prior_claims']] as [string, string][], impute: { numeric: 'mean' as const, categorical: 'missing' as const, indicators: false }, scale: 'auto' as const, oneHot: { minFrequency: 0 }, transforms: {}, select: { dropConstant: true } };
    const interacting = trainBuiltIn({ trainer: 'gradient-boosting', task: 'classification', rows: split.train.slice(0, 2000), target: dataset.target, features: dataset.features, params: { maxIter: 40 }, seed: 2, featureSection: section as never });
    const summary = explanationSummary(interacting, split.test, { seed: 1, sensitive: new Set(['prior_claims']) });
    if ('skipped' in summary) throw new Error(summary.skipped);
    const perRow = [...summary.dependence.map((d) => d.feature), ...summary.extremes.flatMap((e) => e.top.map((c) => c.feature))];
    expect(perRow.filter((f) => f === 'age' || f === 'prior_claims')).toEqual([]);
    expect(summary.meanAbs.map((m) => m.feature)).toEqual(expect.arrayContaining(['age', 'prior_claims']));
  });

  it('says why when a model cannot be explained', () => {
    const legacy = { ...artifact, engine: undefined };
    expect(explanationSummary(legacy as never, split.test, { seed: 1, sensitive: new Set() })).toEqual({ skipped: expect.stringMatching(/earlier version of Custody's learners/) });
    expect(() => explainBuiltIn(legacy as never, split.test.slice(0, 1))).toThrow(ExplanationError);
    const privateLike = { ...artifact, trainer: 'logistic-regression' as const, model: { classes: 2, features: 1, coef: [[0, 0]], fit: {} } };
    expect(explanationSummary(privateLike as never, split.test, { seed: 1, sensitive: new Set() })).toEqual({ skipped: expect.stringMatching(/keeps no training means/) });
    expect(explanationSummary({ kind: 'command' } as never, split.test, { seed: 1, sensitive: new Set() })).toEqual({ skipped: 'a command model is not explained' });
  });
});
