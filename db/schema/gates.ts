import { boolean, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps, timestamptz } from './_columns.js';
import { pipelineRuns } from './runs.js';

import type { GateDecision } from '../../domain/pipeline/gates.js';

export { GATE_DECISIONS, type GateDecision, type GateDecisionRecord } from '../../domain/pipeline/gates.js';

/**
 * The decisions that counted on approval gates, each a `GateDecisionRecord` (domain/pipeline/gates.ts) as its
 * run's workflow recorded it; rows of refused attempts are from before refusals became audit events only.
 * `sequence` is the workflow's own count of decisions in one execution, so a retried write lands on the same row.
 */
export const gateDecisions = pgTable('gate_decisions', {
  id: id(),
  runId: uuid('run_id').notNull().references(() => pipelineRuns.id, { onDelete: 'cascade' }),
  gate: text('gate').notNull(),
  sequence: text('sequence').notNull(),
  actor: text('actor').notNull(),
  decision: text('decision').$type<GateDecision>().notNull(),
  comment: text('comment'),
  accepted: boolean('accepted').notNull(),
  refusedReason: text('refused_reason'),
  via: text('via').notNull(),
  decidedAt: timestamptz('decided_at').notNull(),
  ...timestamps,
}, (t) => [
  uniqueIndex('gate_decisions_run_sequence_key').on(t.runId, t.sequence),
  index('gate_decisions_run_gate_idx').on(t.runId, t.gate),
]);

/** The row as drizzle reads and writes it; outside db/, a decision is a `GateDecisionRecord` (the repository converts). */
export type GateDecisionRow = typeof gateDecisions.$inferSelect;
export type NewGateDecisionRow = typeof gateDecisions.$inferInsert;
