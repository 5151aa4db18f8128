import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps, timestamptz } from './_columns.js';
import { deployments, modelVersions, models } from './registry.js';
import { pipelineRuns } from './runs.js';
import type { AbTestSpec, ShadowSpec } from '../../domain/pipeline/spec.js';
import type { AbLook, AbTestReport, ReleaseStatus, ReleaseStrategy, ShadowReport } from '../../domain/release/report.js';

/**
 * A release strategy a run carried out: a shadow or an A/B test of its version (the challenger) against the
 * version serving production when it began (the champion), with its settings, its latest report and its outcome.
 * Written by the run's workflow alone (activities/release/).
 */
export const releases = pgTable('releases', {
  id: id(),
  runId: uuid('run_id').notNull().references(() => pipelineRuns.id, { onDelete: 'restrict' }),
  modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'restrict' }),
  strategy: text('strategy').$type<ReleaseStrategy>().notNull(),
  challengerVersionId: uuid('challenger_version_id').notNull().references(() => modelVersions.id, { onDelete: 'restrict' }),
  /** The primary serving production as the release began; null when none did (the release is then skipped). */
  championVersionId: uuid('champion_version_id').references(() => modelVersions.id, { onDelete: 'restrict' }),
  /** The challenger's shadow or A/B deployment, once made. */
  deploymentId: uuid('deployment_id').references(() => deployments.id, { onDelete: 'restrict' }),
  settings: jsonb('settings').$type<ShadowSpec | AbTestSpec>().notNull(),
  status: text('status').$type<ReleaseStatus>().notNull(),
  /** Why it ended as it did, in words. */
  outcome: text('outcome'),
  report: jsonb('report').$type<ShadowReport | AbTestReport>(),
  /** `${workflowId}:${execution}:release:${strategy}`: a retried start finds the release it made. */
  idempotencyKey: text('idempotency_key').notNull(),
  startedAt: timestamptz('started_at').notNull(),
  endedAt: timestamptz('ended_at'),
  ...timestamps,
}, (t) => [
  uniqueIndex('releases_idempotency_key').on(t.idempotencyKey),
  index('releases_run_idx').on(t.runId),
  index('releases_model_started_idx').on(t.modelId, t.startedAt),
  index('releases_challenger_idx').on(t.challengerVersionId),
  index('releases_champion_idx').on(t.championVersionId),
  index('releases_deployment_idx').on(t.deploymentId),
]);

/** Every look an A/B test took, in order: the plot of its effect, interval and samples over time. */
export const releaseLooks = pgTable('release_looks', {
  releaseId: uuid('release_id').notNull().references(() => releases.id, { onDelete: 'cascade' }),
  look: integer('look').notNull(),
  at: timestamptz('at').notNull(),
  figures: jsonb('figures').$type<AbLook>().notNull(),
}, (t) => [uniqueIndex('release_looks_release_look_key').on(t.releaseId, t.look)]);

export type ReleaseRow = typeof releases.$inferSelect;
export type NewReleaseRow = typeof releases.$inferInsert;
export type ReleaseLookRow = typeof releaseLooks.$inferSelect;
