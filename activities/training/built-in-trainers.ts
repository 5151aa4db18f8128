import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import type { BuiltInTrainer, PipelineSpec } from '../../workflows/pipeline/spec.js';
import type { Params } from '../../workflows/pipeline/search.js';
import type { ColumnKind } from '../data/profile-types.js';
import type { Row } from '../data/read-rows.js';
import type { Predictions } from '../evaluation/metrics.js';
import { encodeRows, fitEncoding } from './encoding.js';
import type { BuiltInModelArtifact } from './model-artifact.js';

/** Thrown for parameters a trainer cannot take: bad input, never worth a retry. */
export class TrainerParamError extends Error {
  override readonly name = 'TrainerParamError';
}

const num = (params: Params, key: string, fallback: number, check: (v: number) => boolean, rule: string): number => {
  const value = params[key] ?? fallback;
  if (typeof value !== 'number' || !check(value)) throw new TrainerParamError(`parameter ${key} must be ${rule} (got ${JSON.stringify(value)})`);
  return value;
};

/** Trains one built-in model on the rows. Deterministic given the seed. */
export function trainBuiltIn(input: {
  trainer: BuiltInTrainer;
  task: PipelineSpec['task'];
  rows: Row[];
  target: string;
  features: { name: string; kind: ColumnKind }[];
  params: Params;
  seed: number;
}): BuiltInModelArtifact {
  const { trainer, task, rows, target, params, seed } = input;
  const known = KNOWN_PARAMS[trainer];
  const unknown = Object.keys(params).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new TrainerParamError(`${trainer} does not take ${unknown.join(', ')}; it takes ${known.join(', ')}`);
  const standardize = trainer === 'logistic-regression';
  const encoding = fitEncoding(rows, input.features);
  const X = encodeRows(rows, encoding, standardize);
  const classes = task === 'classification' ? [...new Set(rows.map((r) => String(r[target])))].sort() : undefined;
  const classIndex = new Map(classes?.map((c, i) => [c, i]));
  const yClass = () => rows.map((r) => classIndex.get(String(r[target]))!);
  const yNumber = () => rows.map((r) => Number(r[target]));
  let model: unknown;
  switch (trainer) {
    case 'logistic-regression': {
      const lr = new LogisticRegression({
        numSteps: num(params, 'numSteps', 1000, (v) => Number.isInteger(v) && v >= 1 && v <= 1_000_000, 'a whole number from 1 to 1000000'),
        learningRate: num(params, 'learningRate', 0.1, (v) => v > 0 && v <= 10, 'a number in (0, 10]'),
      });
      lr.train(new Matrix(X), Matrix.columnVector(yClass()));
      model = lr.toJSON();
      break;
    }
    case 'linear-regression': {
      const intercept = params.intercept ?? true;
      if (typeof intercept !== 'boolean') throw new TrainerParamError(`parameter intercept must be true or false (got ${JSON.stringify(intercept)})`);
      model = new MultivariateLinearRegression(X, yNumber().map((v) => [v]), { intercept }).toJSON();
      break;
    }
    case 'random-forest': {
      const inputs = X[0]?.length ?? 0;
      const options = {
        seed,
        nEstimators: num(params, 'nEstimators', 50, (v) => Number.isInteger(v) && v >= 1 && v <= 1000, 'a whole number from 1 to 1000'),
        maxFeatures: num(params, 'maxFeatures', 1, (v) => (v > 0 && v <= 1) || (Number.isInteger(v) && v >= 1 && v <= inputs), `a fraction in (0, 1] or a whole number up to ${inputs}`),
        replacement: true,
        useSampleBagging: true,
        noOOB: true,
        treeOptions: {
          maxDepth: num(params, 'maxDepth', 10, (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'a whole number from 1 to 64'),
          minNumSamples: num(params, 'minNumSamples', 3, (v) => Number.isInteger(v) && v >= 1, 'a whole number of at least 1'),
        },
      };
      const forest = task === 'classification' ? new RandomForestClassifier(options) : new RandomForestRegression(options);
      forest.train(X, task === 'classification' ? yClass() : yNumber());
      model = forest.toJSON();
      break;
    }
  }
  return { format: 'custody-model/v1', kind: 'builtin', trainer, task, target, features: encoding, classes, params, seed, model };
}

export const KNOWN_PARAMS: Record<BuiltInTrainer, string[]> = {
  'logistic-regression': ['numSteps', 'learningRate'],
  'linear-regression': ['intercept'],
  'random-forest': ['nEstimators', 'maxFeatures', 'maxDepth', 'minNumSamples'],
};

/** Predicts with a built-in artifact; classification includes class probabilities. */
export function predictBuiltIn(artifact: BuiltInModelArtifact, rows: Row[]): Predictions {
  const X = encodeRows(rows, artifact.features, artifact.trainer === 'logistic-regression');
  const classes = artifact.classes;
  switch (artifact.trainer) {
    case 'logistic-regression': {
      const lr = LogisticRegression.load(artifact.model as never);
      const m = new Matrix(X);
      // One-vs-rest: classifier k scores "not class k"; 1 - score is the evidence for k, normalised per row.
      const evidence = (lr.classifiers as { testScores(x: Matrix): number[] }[]).map((c) => c.testScores(m).map((s) => 1 - s));
      const probabilities = X.map((_, i) => normalise(evidence.map((scores) => scores[i]!)));
      return { values: probabilities.map((p) => classes![argmax(p)]!), probabilities, classes };
    }
    case 'linear-regression': {
      const mlr = MultivariateLinearRegression.load(artifact.model as never);
      return { values: (mlr.predict(X) as number[][]).map((row) => row[0]!) };
    }
    case 'random-forest': {
      if (artifact.task === 'regression') {
        return { values: RandomForestRegression.load(artifact.model as never).predict(X) as number[] };
      }
      const forest = RandomForestClassifier.load(artifact.model as never);
      const perClass = classes!.map((_, k) => forest.predictProbability(X, k) as number[]);
      const probabilities = X.map((_, i) => normalise(perClass.map((p) => p[i]!)));
      return { values: probabilities.map((p) => classes![argmax(p)]!), probabilities, classes };
    }
  }
}

function normalise(values: number[]): number[] {
  const sum = values.reduce((a, b) => a + Math.max(0, b), 0);
  return sum > 0 ? values.map((v) => Math.max(0, v) / sum) : values.map(() => 1 / values.length);
}

const argmax = (values: number[]) => values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);
