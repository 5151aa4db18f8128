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

/** One input column's contribution to one explained output. */
export interface Contribution {
  feature: string;
  value: number;
}

/**
 * Exact SHAP values of a model on (a sample of) its test split: the mean |contribution| per input column, the
 * contribution against the value for the top numeric columns that are not sensitive, and the top contributions of
 * the highest and lowest scored rows. Numbers and column names only: no input value of a sensitive column.
 */
export interface ExplanationSummary {
  rows: number;
  /** What is explained: the class (or the target) and the link (see ml/explain). */
  of: string;
  link: string;
  base: number;
  meanAbs: Contribution[];
  dependence: { feature: string; points: [value: number, contribution: number][] }[];
  extremes: { rank: 'highest' | 'lowest'; output: number; top: Contribution[] }[];
}
