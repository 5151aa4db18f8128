import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, pagedTimestamps, timestamps, timestamptz } from './_columns.js';
import { models, modelVersions } from './registry.js';
import { scoringJobs } from './scoring.js';

export const DRIFT_STATUSES = ['ok', 'drift', 'degraded', 'insufficient_data'] as const;
/** ok: nothing crossed a limit; drift: inputs or predictions drifted; degraded: performance on feedback fell below its limits. */
export type DriftStatus = (typeof DRIFT_STATUSES)[number];

/** One feature's figures in a drift report, against the model's training reference. */
export interface FeatureDrift {
  name: string;
  kind: 'numeric' | 'categorical';
  referenceCount: number;
  currentCount: number;
  psi: number;
  /** Numeric features: two-sample Kolmogorov–Smirnov. */
  ksStatistic?: number;
  ksPValue?: number;
  /** Categorical features: Pearson's chi-square against the reference shares. */
  chiSquare?: number;
  chiSquarePValue?: number;
  drifted: boolean;
  /** Why it counts as drifted, one sentence per limit crossed. */
  reasons: string[];
  /** The bins PSI compared: reference and current shares side by side (absent from reports made before they were kept). */
  bins?: DriftBins;
}

/** A column's histogram as PSI saw it: numeric bins are the reference deciles, categorical ones its categories. */
export interface DriftBins {
  /** `[lower, upper)` for numeric bins (the last one closed), the category for categorical ones. */
  labels: string[];
  reference: number[];
  current: number[];
}

/** Drift of the model's own output: served predictions against its predictions on the training reference. */
export type PredictionDrift = Omit<FeatureDrift, 'name'>;

/** Performance on predictions whose true outcome was recorded. */
export interface PerformanceCheck {
  labelled: number;
  /** Whether there were enough labels to judge (`monitoring.performance.minLabels`). */
  judged: boolean;
  metrics: Record<string, number>;
  failures: string[];
}

/**
 * One monitoring check of a deployed model: the served predictions of a window compared with the training
 * reference of the version in production. `key` is the check's workflow id, so a retried check writes once.
 */
export const driftReports = pgTable('drift_reports', {
  id: id(),
  key: text('key').notNull(),
  modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'restrict' }),
  modelVersionId: uuid('model_version_id').notNull().references(() => modelVersions.id, { onDelete: 'restrict' }),
  /** The Temporal Schedule whose tick ran the check, if one did. */
  scheduleId: text('schedule_id'),
  /** The batch scoring job whose scored rows were judged, if a job rather than served traffic was. */
  scoringJobId: uuid('scoring_job_id').references(() => scoringJobs.id, { onDelete: 'restrict' }),
  status: text('status').$type<DriftStatus>().notNull(),
  windowStart: timestamptz('window_start').notNull(),
  windowEnd: timestamptz('window_end').notNull(),
  rows: integer('rows').notNull(),
  labelledRows: integer('labelled_rows').notNull(),
  driftedFeatures: jsonb('drifted_features').$type<string[]>().notNull(),
  features: jsonb('features').$type<FeatureDrift[]>().notNull(),
  prediction: jsonb('prediction').$type<PredictionDrift>(),
  performance: jsonb('performance').$type<PerformanceCheck>().notNull(),
  /** Every finding as a sentence: the drifted features with their figures, prediction drift, metrics below their limits. */
  reasons: jsonb('reasons').$type<string[]>().notNull(),
  referenceSha256: text('reference_sha256').notNull(),
  ...pagedTimestamps,
}, (t) => [
  uniqueIndex('drift_reports_key').on(t.key),
  index('drift_reports_model_created_idx').on(t.modelId, t.createdAt),
  index('drift_reports_version_idx').on(t.modelVersionId),
  index('drift_reports_scoring_job_idx').on(t.scoringJobId),
]);

/**
 * The training reference of a model version, built once: a seeded sample of its training split (feature
 * values, and the model's predictions on them), stored content-addressed in the artifact store.
 */
export const monitoringReferences = pgTable('monitoring_references', {
  modelVersionId: uuid('model_version_id').primaryKey().references(() => modelVersions.id, { onDelete: 'restrict' }),
  sha256: text('sha256').notNull(),
  rows: integer('rows').notNull(),
  ...timestamps,
});

export type DriftReportRow = typeof driftReports.$inferSelect;
export type NewDriftReportRow = typeof driftReports.$inferInsert;
export type MonitoringReferenceRow = typeof monitoringReferences.$inferSelect;
