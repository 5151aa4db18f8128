import type { PrivacyReport } from '../../domain/evaluation/reports.js';
import { doublePrecision, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps, timestamptz } from './_columns.js';
import { pipelineRuns } from './runs.js';
import type { TrialEnvironment } from '../../domain/environment.js';

/** One feature decision as stored (ml/features/pipeline.ts makes them). */
export interface FeatureDecisionRecord {
  feature: string;
  source: string;
  how: string;
  action: 'kept' | 'dropped';
  reason: string;
}

export const TRIAL_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

/**
 * One hyperparameter candidate of a run: experiment tracking. `cacheKey` is the sha256 of everything
 * that determines the artifact (dataset hash, split, trainer, params, code version), so a later trial
 * with the same key may reuse this one's artifact.
 */
export const trials = pgTable('trials', {
  id: id(),
  runId: uuid('run_id').notNull().references(() => pipelineRuns.id, { onDelete: 'cascade' }),
  index: integer('trial_index').notNull(),
  trainer: text('trainer').notNull(),
  params: jsonb('params').$type<Record<string, unknown>>().notNull(),
  cacheKey: text('cache_key').notNull(),
  codeVersion: text('code_version').notNull(),
  status: text('status').$type<TrialStatus>().notNull(),
  metrics: jsonb('metrics').$type<Record<string, number>>(),
  artifactSha256: text('artifact_sha256'),
  /** Set when the artifact was reused from an earlier identical trial. */
  reusedFromTrialId: uuid('reused_from_trial_id'),
  /** What the trial was trained with: Custody, Node, the machine, a command's interpreter and packages. */
  environment: jsonb('environment').$type<TrialEnvironment>(),
  /** What the `features` section generated, kept and dropped, and why (when the spec had one). */
  featureDecisions: jsonb('feature_decisions').$type<FeatureDecisionRecord[]>(),
  /** What a private (DP-SGD) trial spent: ε at δ, and the settings that give it. */
  privacy: jsonb('privacy').$type<PrivacyReport>(),
  /** A boosted-trees trial's validation loss after each round, when the search prunes. */
  learningCurve: jsonb('learning_curve').$type<number[]>(),
  /** The round a pruned trial was stopped at (its model keeps the rounds up to it); null when it ran to the end. */
  prunedAtRound: integer('pruned_at_round'),
  /** Warm start: the earlier run's trial whose configuration this one retried. */
  seededFromTrialId: uuid('seeded_from_trial_id'),
  /** The share of the training rows the trial saw: below 1 on the early rungs of successive halving. */
  sampleFraction: doublePrecision('sample_fraction').notNull().default(1),
  attempts: integer('attempts').notNull().default(0),
  error: text('error'),
  startedAt: timestamptz('started_at'),
  finishedAt: timestamptz('finished_at'),
  ...timestamps,
}, (t) => [
  uniqueIndex('trials_run_index_key').on(t.runId, t.index),
  index('trials_cache_key_idx').on(t.cacheKey, t.status),
]);

export type TrialRow = typeof trials.$inferSelect;
export type NewTrialRow = typeof trials.$inferInsert;
