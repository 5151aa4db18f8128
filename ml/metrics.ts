import type { Metrics } from '../domain/pipeline/decisions.js';

/** Predictions of a model on some rows: labels (class names) or numbers, and class probabilities. */
export interface Predictions {
  values: (string | number)[];
  /** Classification: one row per input, one column per class in `classes` order. */
  probabilities?: number[][];
  classes?: string[];
}

const EPSILON = 1e-15;

/**
 * Classification metrics: accuracy, and macro-averaged precision, recall and F1 (each class counts
 * equally); ROC AUC (binary, or macro one-vs-rest) and log loss when probabilities are given.
 */
export function classificationMetrics(actual: string[], predicted: Predictions): Metrics {
  const labels = predicted.values.map(String);
  const n = actual.length;
  const classes = predicted.classes ?? [...new Set([...actual, ...labels])].sort();
  let correct = 0;
  for (let i = 0; i < n; i++) if (actual[i] === labels[i]) correct++;
  const perClass = classes.map((c) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] === c && actual[i] === c) tp++;
      else if (labels[i] === c) fp++;
      else if (actual[i] === c) fn++;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support: tp + fn };
  });
  const present = perClass.filter((c) => c.support > 0);
  const mean = (key: 'precision' | 'recall' | 'f1') => present.reduce((a, c) => a + c[key], 0) / Math.max(1, present.length);
  const metrics: Metrics = { accuracy: n ? correct / n : Number.NaN, precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
  if (predicted.probabilities && predicted.classes) {
    const probs = predicted.probabilities;
    const index = new Map(predicted.classes.map((c, i) => [c, i]));
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const p = probs[i]![index.get(actual[i]!) ?? -1] ?? 0;
      loss -= Math.log(Math.min(1 - EPSILON, Math.max(EPSILON, p)));
    }
    metrics.logLoss = n ? loss / n : Number.NaN;
    const aucs = predicted.classes
      .map((c, k) => rocAuc(actual.map((a) => a === c), probs.map((row) => row[k]!)))
      .filter((auc) => !Number.isNaN(auc));
    metrics.rocAuc = predicted.classes.length === 2 ? aucs[1] ?? Number.NaN : aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : Number.NaN;
  }
  return definedOnly(metrics);
}

/** Drops metrics that could not be computed (NaN), so they read as absent rather than as null or 0. */
function definedOnly(metrics: Metrics): Metrics {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v))) as Metrics;
}

/** Area under the ROC curve via the rank-sum (Mann–Whitney) statistic, with ties averaged. NaN with one class. */
export function rocAuc(positive: boolean[], scores: number[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const nPos = positive.filter(Boolean).length;
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  const rankSum = positive.reduce((a, isPos, i) => (isPos ? a + ranks[i]! : a), 0);
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function regressionMetrics(actual: number[], predicted: number[]): Metrics {
  const n = actual.length;
  if (n === 0) return {};
  let se = 0;
  let ae = 0;
  const mean = actual.reduce((a, b) => a + b, 0) / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const error = actual[i]! - predicted[i]!;
    se += error * error;
    ae += Math.abs(error);
    ss += (actual[i]! - mean) ** 2;
  }
  return definedOnly({ rmse: Math.sqrt(se / n), mae: ae / n, r2: ss === 0 ? Number.NaN : 1 - se / ss });
}
