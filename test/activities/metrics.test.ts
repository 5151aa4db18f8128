import { describe, expect, it } from 'vitest';
import { classificationMetrics, regressionMetrics, rocAuc } from '../../ml/metrics.js';

// Reference values computed once with scikit-learn 1.2 (accuracy_score, precision/recall/f1 with
// average='macro', log_loss, roc_auc_score with multi_class='ovr', mean_squared_error, r2_score).
const SKLEARN = {
  accuracy: 0.7,
  precision: 0.7222222222222222,
  recall: 0.6944444444444443,
  f1: 0.6984126984126985,
  logLoss: 0.58985671666735,
  rocAuc: 0.9365079365079364,
  binaryAuc: 0.9400000000000001,
  rmse: 0.6123724356957945,
  mae: 0.5,
  r2: 0.9486081370449679,
};

describe('metrics match scikit-learn', () => {
  it('for multi-class classification with probabilities', () => {
    const actual = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'a', 'b', 'c'];
    const values = ['a', 'b', 'b', 'a', 'c', 'c', 'a', 'b', 'b', 'c'];
    const probabilities = [
      [0.8, 0.1, 0.1], [0.1, 0.7, 0.2], [0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.3, 0.6],
      [0.1, 0.2, 0.7], [0.9, 0.05, 0.05], [0.3, 0.4, 0.3], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8],
    ];
    const metrics = classificationMetrics(actual, { values, probabilities, classes: ['a', 'b', 'c'] });
    for (const name of ['accuracy', 'precision', 'recall', 'f1', 'logLoss', 'rocAuc'] as const) {
      expect(metrics[name], name).toBeCloseTo(SKLEARN[name], 12);
    }
  });

  it('for binary ROC AUC with tied scores', () => {
    const auc = rocAuc([false, true, true, false, true, false, true, true, false, false], [0.1, 0.9, 0.8, 0.3, 0.35, 0.4, 0.7, 0.6, 0.2, 0.35]);
    expect(auc).toBeCloseTo(SKLEARN.binaryAuc, 12);
  });

  it('for regression', () => {
    const metrics = regressionMetrics([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]);
    expect(metrics.rmse).toBeCloseTo(SKLEARN.rmse, 12);
    expect(metrics.mae).toBeCloseTo(SKLEARN.mae, 12);
    expect(metrics.r2).toBeCloseTo(SKLEARN.r2, 12);
  });

  it('leaves out what cannot be computed instead of reporting NaN', () => {
    expect(regressionMetrics([1, 1], [1, 2])).not.toHaveProperty('r2');
    expect(Number.isNaN(rocAuc([true, true], [0.2, 0.4]))).toBe(true);
  });
});
