import { activityInfo } from '@temporalio/activity';
import type { Repositories } from '../db/repositories/index.js';

/** The audit chain's position after a write; activities return it, so the run's Temporal history holds it too. */
export interface AuditMark {
  auditSeq: number;
  auditHash: string;
}

export type AuditEvent = { action: string; subjectType: string; subjectId: string; payload?: Record<string, unknown>; actor?: string };

/** An event as the running activity appends it: its actor defaulted, its workflow named. */
function fromActivity(event: AuditEvent, idempotencyKey: string) {
  const execution = activityInfo().workflowExecution;
  return {
    actor: event.actor ?? 'system',
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    payload: { ...event.payload, ...(execution ? { workflowId: execution.workflowId } : {}) },
    idempotencyKey,
  };
}

/**
 * Appends an audit event on behalf of the running activity. The idempotency key is the activity's own
 * identity (workflow execution and activity id, the same on every retry), so the event is written once.
 */
export async function auditFromActivity(
  repos: Repositories,
  event: AuditEvent,
  part = '',
): Promise<AuditMark> {
  const info = activityInfo();
  const row = await repos.audit.append(fromActivity(event, `activity:${info.workflowExecution?.runId ?? 'standalone'}:${info.activityId}${part ? `:${part}` : ''}`));
  return { auditSeq: row.seq, auditHash: row.hash };
}

/** Appends several events in order, in one commit, each under the key given with it (a key that outlives the activity). */
export async function auditManyFromActivity(repos: Repositories, events: { event: AuditEvent; key: string }[]): Promise<AuditMark[]> {
  const rows = await repos.audit.appendMany(events.map(({ event, key }) => fromActivity(event, key)));
  return rows.map((row) => ({ auditSeq: row.seq, auditHash: row.hash }));
}
