import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps } from './_columns.js';
import type { ColumnProfile, DatasetFormat } from '../../domain/data/profile.js';

export const datasets = pgTable('datasets', {
  id: id(),
  name: text('name').notNull(),
  /** The total ε that differentially private training on any version of this dataset may spend; null: no budget. */
  privacyEpsilon: doublePrecision('privacy_epsilon'),
  /** Whether a run without training.privacy may train on a dataset with a budget. */
  allowNonPrivate: boolean('allow_non_private').notNull().default(false),
  ...timestamps,
}, (t) => [uniqueIndex('datasets_name_key').on(t.name)]);

/** One row per distinct content (sha256) of a dataset; `version` counts up per dataset name. */
export const datasetVersions = pgTable('dataset_versions', {
  id: id(),
  datasetId: uuid('dataset_id').notNull().references(() => datasets.id, { onDelete: 'restrict' }),
  version: integer('version').notNull(),
  sha256: text('sha256').notNull(),
  format: text('format').$type<DatasetFormat>().notNull(),
  sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
  rowCount: integer('row_count').notNull(),
  columns: jsonb('columns').$type<ColumnProfile[]>().notNull(),
  source: text('source'),
  license: text('license'),
  intendedUse: text('intended_use'),
  registeredBy: text('registered_by').notNull(),
  ...timestamps,
}, (t) => [
  uniqueIndex('dataset_versions_dataset_version_key').on(t.datasetId, t.version),
  uniqueIndex('dataset_versions_dataset_sha256_key').on(t.datasetId, t.sha256),
  index('dataset_versions_sha256_idx').on(t.sha256),
]);

export type DatasetRow = typeof datasets.$inferSelect;
export type NewDatasetRow = typeof datasets.$inferInsert;
export type DatasetVersionRow = typeof datasetVersions.$inferSelect;
export type NewDatasetVersionRow = typeof datasetVersions.$inferInsert;
