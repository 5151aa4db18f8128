import type { AuditEventRow } from '../../db/schema/index.js';
import type * as domain from '../../domain/pipeline/gates.js';
import type { GateDecisionRecord } from './models/pipeline-run.model.js';

/** A decision and its place among its workflow's decisions (`<execution>:<n>`), when it has one. */
interface Placed {
  decision: GateDecisionRecord;
  sequence: string | null;
}

/**
 * A run's gate decisions in the order they were made: the accepted ones from its gate record, the refused ones
 * from its audit history. By time, and within one workflow task (whose decisions share a time) by the workflow's
 * own count.
 */
export function decisionsInOrder(accepted: readonly domain.GateDecisionRecord[], refusals: readonly AuditEventRow[]): GateDecisionRecord[] {
  const countOf = (sequence: string | null) => (sequence?.includes(':') ? Number(sequence.slice(sequence.lastIndexOf(':') + 1)) : Number.MAX_SAFE_INTEGER);
  return [...accepted.map(recordedDecision), ...refusals.map(refusedDecision)]
    .map((d, i) => ({ ...d, i }))
    .sort((a, b) => a.decision.decidedAt.getTime() - b.decision.decidedAt.getTime() || countOf(a.sequence) - countOf(b.sequence) || a.i - b.i)
    .map((d) => d.decision);
}

function recordedDecision(record: domain.GateDecisionRecord): Placed {
  return { decision: { ...record, decidedAt: new Date(record.decidedAt) }, sequence: record.sequence };
}

/** A refused decision as its audit event tells it (`gate.refused`, by the API or by the workflow). */
function refusedDecision(event: AuditEventRow): Placed {
  const payload = event.payload as { gate?: string | null; decision?: string; via?: string; reason?: string; comment?: string; decidedAt?: string; sequence?: string };
  return {
    decision: {
      gate: payload.gate ?? '(none open)',
      actor: event.actor,
      decision: payload.decision ?? 'approve',
      comment: payload.comment ?? null,
      accepted: false,
      refusedReason: payload.reason ?? null,
      via: payload.via ?? 'api',
      decidedAt: payload.decidedAt ? new Date(payload.decidedAt) : event.at,
    },
    sequence: payload.sequence ?? null,
  };
}
