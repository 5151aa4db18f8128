import { index, integer, jsonb, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps, timestamptz } from './_columns.js';
import { datasetVersions } from './datasets.js';
import { pipelineRuns } from './runs.js';
import { trials } from './training.js';
import type { ExplanationSummary, FairnessReport, FeatureImportance, PrivacyReport } from '../../domain/evaluation/reports.js';

export const models = pgTable('models', {
  id: id(),
  name: text('name').notNull(),
  ...timestamps,
}, (t) => [uniqueIndex('models_name_key').on(t.name)]);

/** A registered, content-hashed model artifact; `version` counts up per model name. One per run at most. */
export const modelVersions = pgTable('model_versions', {
  id: id(),
  modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'restrict' }),
  version: integer('version').notNull(),
  artifactSha256: text('artifact_sha256').notNull(),
  trainer: text('trainer').notNull(),
  params: jsonb('params').$type<Record<string, unknown>>().notNull(),
  metrics: jsonb('metrics').$type<Record<string, number>>().notNull(),
  /** Group fairness on the test split, when the spec named a sensitive attribute. */
  fairness: jsonb('fairness').$type<FairnessReport>(),
  /** Permutation feature importance on the test split, most important first. */
  importances: jsonb('importances').$type<FeatureImportance[]>().notNull().default([]),
  /** Exact SHAP values on the test split (mean |SHAP|, dependence, the extremes), or why there are none; null before explanations. */
  explanations: jsonb('explanations').$type<ExplanationSummary | { skipped: string }>(),
  /** ε spent by DP-SGD, when the model was trained privately. */
  privacy: jsonb('privacy').$type<PrivacyReport>(),
  datasetVersionId: uuid('dataset_version_id').notNull().references(() => datasetVersions.id, { onDelete: 'restrict' }),
  runId: uuid('run_id').notNull().references(() => pipelineRuns.id, { onDelete: 'restrict' }),
  trialId: uuid('trial_id').references(() => trials.id, { onDelete: 'set null' }),
  codeVersion: text('code_version').notNull(),
  /** Columns and kinds the model was trained on: serving validates inputs against them. */
  features: jsonb('features').$type<{ name: string; kind: 'numeric' | 'categorical'; sensitive?: boolean }[]>().notNull(),
  target: text('target').notNull(),
  task: text('task').$type<'classification' | 'regression'>().notNull(),
  ...timestamps,
}, (t) => [
  uniqueIndex('model_versions_model_version_key').on(t.modelId, t.version),
  // The key the prediction log's one foreign key points at: a version together with its model.
  unique('model_versions_model_id_key').on(t.modelId, t.id),
  uniqueIndex('model_versions_run_key').on(t.runId),
  index('model_versions_artifact_idx').on(t.artifactSha256),
  index('model_versions_trial_idx').on(t.trialId),
  index('model_versions_dataset_version_idx').on(t.datasetVersionId),
]);

export const DEPLOYMENT_STAGES = ['staging', 'production'] as const;
export type DeploymentStage = (typeof DEPLOYMENT_STAGES)[number];

/** `shadow` receives copies of production requests and never answers them; it takes no traffic share from the primary. */
export const DEPLOYMENT_ROLES = ['primary', 'canary', 'shadow'] as const;
export type DeploymentRole = (typeof DEPLOYMENT_ROLES)[number];

export const DEPLOYMENT_END_REASONS = ['superseded', 'promoted', 'rolled_back', 'cancelled'] as const;
export type DeploymentEndReason = (typeof DEPLOYMENT_END_REASONS)[number];

/**
 * Which version served a stage, from when to when. A `primary` row serves what its stage's `canary`
 * rows do not: primary traffic = 100 - sum(active canary percents). Rows are never deleted; ending
 * one sets `endedAt` and `endReason`. `idempotencyKey` (`${workflowId}:${step}`) makes writes safe to retry.
 */
export const deployments = pgTable('deployments', {
  id: id(),
  modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'restrict' }),
  modelVersionId: uuid('model_version_id').notNull().references(() => modelVersions.id, { onDelete: 'restrict' }),
  stage: text('stage').$type<DeploymentStage>().notNull(),
  role: text('role').$type<DeploymentRole>().notNull(),
  trafficPercent: integer('traffic_percent').notNull(),
  runId: uuid('run_id').references(() => pipelineRuns.id, { onDelete: 'restrict' }),
  approvedBy: jsonb('approved_by').$type<string[]>().notNull().default([]),
  idempotencyKey: text('idempotency_key').notNull(),
  startedAt: timestamptz('started_at').notNull().defaultNow(),
  endedAt: timestamptz('ended_at'),
  endReason: text('end_reason').$type<DeploymentEndReason>(),
  ...timestamps,
}, (t) => [
  uniqueIndex('deployments_idempotency_key').on(t.idempotencyKey),
  index('deployments_model_stage_started_idx').on(t.modelId, t.stage, t.startedAt),
  index('deployments_version_idx').on(t.modelVersionId),
]);

export type ModelRow = typeof models.$inferSelect;
export type ModelVersionRow = typeof modelVersions.$inferSelect;
export type NewModelVersionRow = typeof modelVersions.$inferInsert;
export type DeploymentRow = typeof deployments.$inferSelect;
export type NewDeploymentRow = typeof deployments.$inferInsert;
