/** What evaluation reports about a model's fairness and what it relies on; stored with the model version. */

export interface FairnessReport {
  attribute: string;
  positiveClass: string;
  groups: { group: string; count: number; selectionRate: number; truePositiveRate: number | null }[];
  /** max − min over groups of P(prediction = positive | group). */
  demographicParityDifference: number;
  /** max − min over groups of P(prediction = positive | actual = positive, group); groups without positives are left out. */
  equalOpportunityDifference: number;
}

export interface FeatureImportance {
  feature: string;
  /** Mean drop in the metric when the feature's values are shuffled (positive: the model relies on it). */
  importance: number;
  std: number;
}

/** What a private fit spent and how (DP-SGD, Rényi-DP accountant): recorded on the trial, the model version and the model card. */
export interface PrivacyReport {
  mechanism: 'dp-sgd';
  epsilon: number;
  delta: number;
  noiseMultiplier: number;
  clipNorm: number;
  samplingRate: number;
  steps: number;
  epochs: number;
  batchSize: number;
  accountant: 'rdp';
}
