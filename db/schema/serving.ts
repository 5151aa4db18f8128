import { index, jsonb, pgTable, real, text, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './_columns.js';
import { models, modelVersions } from './registry.js';

/** Every prediction served: which version answered, the inputs, the output and the latency; later, its label. */
export const predictions = pgTable('predictions', {
  /** Chosen by the server before the write, so it is returned at once while the log is written in batches. */
  id: uuid('id').primaryKey(),
  modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'restrict' }),
  modelVersionId: uuid('model_version_id').notNull().references(() => modelVersions.id, { onDelete: 'restrict' }),
  role: text('role').notNull(),
  requestKey: text('request_key'),
  inputs: jsonb('inputs').$type<Record<string, unknown>>().notNull(),
  output: jsonb('output').$type<{ value: string | number; probabilities?: Record<string, number> }>().notNull(),
  latencyMs: real('latency_ms').notNull(),
  createdAt: timestamptz('created_at').notNull(),
  label: jsonb('label').$type<string | number>(),
  labeledAt: timestamptz('labeled_at'),
}, (t) => [
  index('predictions_model_created_idx').on(t.modelId, t.createdAt),
  index('predictions_version_created_idx').on(t.modelVersionId, t.createdAt),
]);

export type PredictionRow = typeof predictions.$inferSelect;
export type NewPredictionRow = typeof predictions.$inferInsert;
