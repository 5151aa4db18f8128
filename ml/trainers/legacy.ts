import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import type { Row } from '../../storage/read-rows.js';
import type { Predictions } from '../metrics.js';
import { encodeRows } from './encoding.js';
import type { BuiltInModelArtifact } from '../artifact.js';

/**
 * Predicts with an artifact trained before Custody's own learners (no `engine` field): such models may
 * still serve, so their prediction code stays, and nothing trains them any more.
 */
export function predictLegacy(artifact: BuiltInModelArtifact, rows: Row[]): Predictions {
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
    default:
      throw new Error(`no earlier version trained ${artifact.trainer} models`);
  }
}

function normalise(values: number[]): number[] {
  const sum = values.reduce((a, b) => a + Math.max(0, b), 0);
  return sum > 0 ? values.map((v) => Math.max(0, v) / sum) : values.map(() => 1 / values.length);
}

const argmax = (values: number[]) => values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);
