import { index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { pagedTimestamps, timestamptz } from './_columns.js';
import { datasetVersions } from './datasets.js';
import { modelVersions } from './registry.js';
import type { FailureDetail } from '../../domain/runs.js';
import type { ScoringJobStatus, ScoringReport, ScoringRequest } from '../../domain/scoring.js';

/** One batch scoring job: the queryable record of a `batchScore` workflow, which is its one writer. */
export const scoringJobs = pgTable('scoring_jobs', {
  id: uuid('id').primaryKey(),
  workflowId: text('workflow_id').notNull(),
  modelName: text('model_name').notNull(),
  modelVersionId: uuid('model_version_id').notNull().references(() => modelVersions.id, { onDelete: 'restrict' }),
  inputDatasetVersionId: uuid('input_dataset_version_id').notNull().references(() => datasetVersions.id, { onDelete: 'restrict' }),
  /** The dataset the scores are registered in. */
  outputDataset: text('output_dataset').notNull(),
  outputDatasetVersionId: uuid('output_dataset_version_id').references(() => datasetVersions.id, { onDelete: 'restrict' }),
  /** The request as it was made, versions left out included. */
  request: jsonb('request').$type<ScoringRequest>().notNull(),
  requestedBy: text('requested_by').notNull(),
  scheduleId: text('schedule_id'),
  status: text('status').$type<ScoringJobStatus>().notNull(),
  /** How many chunks the input was split into, once planned. */
  chunks: jsonb('chunks').$type<{ total: number; done: number[] }>(),
  report: jsonb('report').$type<ScoringReport>(),
  error: jsonb('error').$type<FailureDetail>(),
  finishedAt: timestamptz('finished_at'),
  ...pagedTimestamps,
}, (t) => [
  uniqueIndex('scoring_jobs_workflow_id_key').on(t.workflowId),
  index('scoring_jobs_model_created_idx').on(t.modelName, t.createdAt, t.id),
  index('scoring_jobs_model_version_idx').on(t.modelVersionId),
  index('scoring_jobs_input_idx').on(t.inputDatasetVersionId),
  index('scoring_jobs_output_idx').on(t.outputDatasetVersionId),
]);

export type ScoringJobRow = typeof scoringJobs.$inferSelect;
