import type { AbTestMetric } from '../pipeline/spec.js';
import type { Direction, SequentialState } from './msprt.js';

/** How a release strategy compares a new version with the one serving production. */
export const RELEASE_STRATEGIES = ['shadow', 'ab_test'] as const;
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/**
 * Where a release stands: `running` while it gathers evidence; a shadow ends `passed` or `failed` (its
 * requirements), an A/B test `promoted`, `rolled_back` or `inconclusive`; `skipped` when nothing served
 * production to compare with, so the version was released without the strategy.
 */
export const RELEASE_STATUSES = ['running', 'passed', 'failed', 'promoted', 'rolled_back', 'inconclusive', 'skipped'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

/** A figure with its two-sided confidence interval. */
export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

/** Counts of values falling in `[edges[i], edges[i+1])` (the last bin closed). */
export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface LatencySummary {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

/** One side of a shadow comparison: the primary, or the shadow. */
export interface ShadowSide {
  version: number;
  latencyMs: LatencySummary;
  /** The distribution of scores: the top class's probability (classification), or the predicted value. */
  scores: Histogram;
  /** How often each class was predicted (classification). */
  classes: Record<string, number> | null;
  /** The evaluation metrics on the labelled pairs, each with a 95% bootstrap interval. */
  metrics: Record<string, Interval>;
}

/** A served input on which the two versions disagree most. */
export interface Disagreement {
  predictionId: string;
  /** The served input; null where the reader may not read data rows back (withheld by the API). */
  inputs: Record<string, unknown> | null;
  primary: { value: string | number; probabilities?: Record<string, number> };
  shadow: { value: string | number; probabilities?: Record<string, number> };
  label: string | number | null;
  /** Total variation distance between the probabilities (classification), or |shadow − primary| (regression). */
  distance: number;
  /** How many paired predictions had this same input (the one shown is the newest). */
  occurrences: number;
}

/** A requirement of the spec, as the report met it or not. */
export interface ReleaseCheck {
  name: string;
  required: string;
  actual: string;
  passed: boolean;
}

/** What a shadow release showed, from the prediction log up to `at`. */
export interface ShadowReport {
  at: string;
  /** Shadow predictions paired with the primary's answer to the same request. */
  pairs: number;
  /** Of those, how many pairs the report's figures are computed on (the newest, at most a bound). */
  pairsUsed: number;
  /** Pairs whose primary prediction has a label. */
  labelled: number;
  /** The share of pairs giving the same class, with its 95% interval (classification). */
  agreement: Interval | null;
  /** shadow − primary per pair, with its mean and quantiles (regression). */
  differences: { histogram: Histogram; mean: number; p05: number; p50: number; p95: number } | null;
  primary: ShadowSide;
  shadow: ShadowSide;
  disagreements: Disagreement[];
  checks: ReleaseCheck[];
}

/** One arm of an A/B test at a look. */
export interface ArmFigures {
  version: number;
  /** Predictions this arm served since the test began. */
  predictions: number;
  /** Of those, how many have a label (only these count). */
  labelled: number;
  /** The arm's metric on its labelled predictions; null before any. */
  estimate: number | null;
}

/** One look at an A/B test: the figures the decision was made on. */
export interface AbLook {
  look: number;
  at: string;
  champion: ArmFigures;
  challenger: ArmFigures;
  /** challenger − champion in the metric, its always-valid p-value and (1 − alpha) confidence sequence. */
  state: SequentialState;
  /** Labelled predictions per arm the test was planned to need. */
  plannedSamples: { champion: number; challenger: number } | null;
}

/** An A/B test's settings and the last look. */
export interface AbTestReport {
  metric: AbTestMetric;
  direction: Direction;
  alpha: number;
  power: number;
  minimumDetectableEffect: number;
  traffic: number;
  latest: AbLook | null;
}
