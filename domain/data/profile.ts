/** Pure types describing a dataset's content; shared by the data activities, the database and the API. */

export type DatasetFormat = 'csv' | 'jsonl';

export type ColumnKind = 'numeric' | 'categorical';

export interface Histogram {
  /** Bin edges, length `counts.length + 1`; the last bin includes its upper edge. */
  edges: number[];
  counts: number[];
}

/** Profile of one column: the schema of the dataset and the reference for drift monitoring. */
export interface ColumnProfile {
  name: string;
  kind: ColumnKind;
  /** Values present (not null, not empty, not NaN). */
  count: number;
  nullCount: number;
  /** Numeric columns only: values that were not finite numbers (NaN, Infinity, or text in a numeric column). */
  nanCount: number;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  histogram?: Histogram;
  /** Categorical columns only: value → frequency, for the most frequent values. */
  categories?: Record<string, number>;
  /** Number of distinct values seen (categorical), capped at the category limit plus one. */
  distinct?: number;
}
