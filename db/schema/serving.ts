import { foreignKey, index, jsonb, pgTable, real, text, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './_columns.js';
import { modelVersions } from './registry.js';

/** Every prediction served: which version answered, the inputs, the output and the latency; later, its label. */
export const predictions = pgTable('predictions', {
  /** Chosen by the server before the write, so it is returned at once while the log is written in batches. */
  id: uuid('id').primaryKey(),
  modelId: uuid('model_id').notNull(),
  modelVersionId: uuid('model_version_id').notNull(),
  role: text('role').notNull(),
  requestKey: text('request_key'),
  inputs: jsonb('inputs').$type<Record<string, unknown>>().notNull(),
  output: jsonb('output').$type<{ value: string | number; probabilities?: Record<string, number> }>().notNull(),
  latencyMs: real('latency_ms').notNull(),
  /**
   * A shadow's prediction: the prediction answered to the same request, whose label it shares. No foreign key: the
   * shadow's row may reach the log before its primary's, and the report reads shadow rows by version and joins on the
   * primary's key.
   */
  shadowOf: uuid('shadow_of'),
  createdAt: timestamptz('created_at').notNull(),
  label: jsonb('label').$type<string | number>(),
  labeledAt: timestamptz('labeled_at'),
}, (t) => [
  // One foreign key, to the version together with its model, where there were two (to the model, to the version):
  // it holds all they held (the model exists, as the version's own key to it says) and also that the version is
  // the model's, and it checks each logged row once rather than twice. The log takes thousands of rows a second,
  // and the second check cost PostgreSQL about a fifth of each row's insert.
  foreignKey({ name: 'predictions_model_version_fk', columns: [t.modelId, t.modelVersionId], foreignColumns: [modelVersions.modelId, modelVersions.id] }).onDelete('restrict'),
  index('predictions_model_created_idx').on(t.modelId, t.createdAt),
  index('predictions_version_created_idx').on(t.modelVersionId, t.createdAt),
]);

export type PredictionRow = typeof predictions.$inferSelect;
export type NewPredictionRow = typeof predictions.$inferInsert;
