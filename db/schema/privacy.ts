import { doublePrecision, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamptz } from './_columns.js';
import { datasets } from './datasets.js';
import { pipelineRuns } from './runs.js';

/**
 * The privacy ledger: one draw per run on a dataset with a privacy budget, the ε (and δ) that run's
 * differentially private training may spend. Draws only ever add up; a draw is never returned.
 */
export const privacyDraws = pgTable('privacy_draws', {
  id: id(),
  datasetId: uuid('dataset_id').notNull().references(() => datasets.id, { onDelete: 'restrict' }),
  runId: uuid('run_id').notNull().references(() => pipelineRuns.id, { onDelete: 'restrict' }),
  epsilon: doublePrecision('epsilon').notNull(),
  delta: doublePrecision('delta').notNull(),
  drawnBy: text('drawn_by').notNull(),
  drawnAt: timestamptz('drawn_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('privacy_draws_dataset_run_key').on(t.datasetId, t.runId)]);

export type PrivacyDrawRow = typeof privacyDraws.$inferSelect;
