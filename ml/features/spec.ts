/** What a `features` section asks for, with its defaults filled in (the spec's schema makes it). */
export interface FeatureSection {
  columns?: string[];
  impute: {
    numeric: 'mean' | 'median' | 'constant';
    /** `missing`: a missing category sets no one-hot column; `most_frequent` or `constant` fill it. */
    categorical: 'missing' | 'most_frequent' | 'constant';
    constant?: number | string;
    /** Adds `<column>_missing` (1 or 0) for each column that had missing values in training. */
    indicators: boolean;
  };
  /** `auto`: standardised for logistic regression, unscaled for the others. */
  scale: 'auto' | 'standard' | 'minmax' | 'none';
  /** Categories rarer than this share of the training rows are grouped into `__other__`. */
  oneHot: { minFrequency: number };
  transforms: Record<string, ColumnTransform>;
  interactions: [string, string][];
  select: {
    dropConstant: boolean;
    /** Drop a column whose most common value covers at least this share of the rows. */
    nearConstant?: number;
    /** Drop an input column with more than this share of missing values. */
    maxMissing?: number;
    /** Of two columns whose absolute Pearson correlation exceeds this, drop the later. */
    maxCorrelation?: number;
    topK?: { k: number; by: 'mutual_information' | 'importance' };
  };
}

export type ColumnTransform = 'log' | 'sqrt' | 'dateparts' | { power: number } | { bucketize: number[] | { quantiles: number } };
