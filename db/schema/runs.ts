import { bigint, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, pagedTimestamps, timestamps, timestamptz } from './_columns.js';
import { datasetVersions } from './datasets.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import type { FailureDetail, RunPurpose, RunStatus, StepStatus } from '../../domain/runs.js';

export { RUN_PURPOSES, RUN_STATUSES, STEP_STATUSES, type FailureDetail, type RunPurpose, type RunStatus, type StepStatus } from '../../domain/runs.js';

/** One pipeline run: the queryable projection of a `pipeline` workflow. The workflow stays authoritative. */
export const pipelineRuns = pgTable('pipeline_runs', {
  id: uuid('id').primaryKey(),
  workflowId: text('workflow_id').notNull(),
  pipelineName: text('pipeline_name').notNull(),
  modelName: text('model_name').notNull(),
  spec: jsonb('spec').$type<PipelineSpec>().notNull(),
  specHash: text('spec_hash').notNull(),
  submittedBy: text('submitted_by').notNull(),
  status: text('status').$type<RunStatus>().notNull(),
  currentStep: text('current_step'),
  error: jsonb('error').$type<FailureDetail>(),
  datasetVersionId: uuid('dataset_version_id').references(() => datasetVersions.id, { onDelete: 'restrict' }),
  /** The run this one resumes, reproduces or retrains, if any. */
  parentRunId: uuid('parent_run_id'),
  /** What started the run (manual, retrain); never what it is for, which is its purpose. Old reproductions say reproduce here too. */
  trigger: text('trigger').notNull().default('manual'),
  /** Stored with the run and honoured by every path that starts it (submit, resume, reproduce, retrain). */
  purpose: text('purpose').$type<RunPurpose>().notNull().default('release'),
  /** The drift report whose findings started this run (a retraining), if one did. */
  driftReportId: uuid('drift_report_id'),
  finishedAt: timestamptz('finished_at'),
  /**
   * The projection's fence: the position (execution start, write number) of the last workflow write applied.
   * A write from further back (an abandoned attempt that reached the database late) changes nothing.
   */
  projectionEpoch: bigint('projection_epoch', { mode: 'number' }),
  projectionSeq: integer('projection_seq'),
  ...pagedTimestamps,
}, (t) => [
  uniqueIndex('pipeline_runs_workflow_id_key').on(t.workflowId),
  index('pipeline_runs_status_created_idx').on(t.status, t.createdAt),
  index('pipeline_runs_pipeline_created_idx').on(t.pipelineName, t.createdAt),
  index('pipeline_runs_model_created_idx').on(t.modelName, t.createdAt),
  index('pipeline_runs_created_idx').on(t.createdAt, t.id),
  index('pipeline_runs_dataset_version_idx').on(t.datasetVersionId),
  index('pipeline_runs_parent_idx').on(t.parentRunId),
  index('pipeline_runs_drift_report_idx').on(t.driftReportId),
]);

/** One row per step of a run; written idempotently keyed by (run, step name). */
export const runSteps = pgTable('run_steps', {
  id: id(),
  runId: uuid('run_id').notNull().references(() => pipelineRuns.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  position: integer('position').notNull(),
  status: text('status').$type<StepStatus>().notNull(),
  attempts: integer('attempts').notNull().default(0),
  startedAt: timestamptz('started_at'),
  finishedAt: timestamptz('finished_at'),
  /** Small references only: ids, hashes, counts. */
  output: jsonb('output').$type<Record<string, unknown>>(),
  error: jsonb('error').$type<FailureDetail>(),
  ...timestamps,
}, (t) => [uniqueIndex('run_steps_run_name_key').on(t.runId, t.name)]);

export type PipelineRunRow = typeof pipelineRuns.$inferSelect;
export type NewPipelineRunRow = typeof pipelineRuns.$inferInsert;
export type RunStepRow = typeof runSteps.$inferSelect;
export type NewRunStepRow = typeof runSteps.$inferInsert;
