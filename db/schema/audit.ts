import { bigint, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, timestamptz } from './_columns.js';

/**
 * The audit history: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained:
 * each event stores the hash of the one before, so altering, removing or reordering any event breaks
 * the chain from there on. `idempotencyKey` makes every event exactly-once, even when activities retry.
 */
export const auditEvents = pgTable('audit_events', {
  id: id(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  at: timestamptz('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectId: text('subject_id').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
}, (t) => [
  uniqueIndex('audit_events_seq_key').on(t.seq),
  uniqueIndex('audit_events_idempotency_key').on(t.idempotencyKey),
  index('audit_events_subject_idx').on(t.subjectId, t.seq),
  index('audit_events_actor_idx').on(t.actor, t.seq),
  index('audit_events_action_idx').on(t.action, t.seq),
  index('audit_events_at_idx').on(t.at),
]);

/** One row: the newest event's sequence number and hash. Locking it serialises appends to the chain. */
export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

export type AuditEventRow = typeof auditEvents.$inferSelect;
