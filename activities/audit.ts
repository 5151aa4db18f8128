import { activityInfo } from '@temporalio/activity';
import type { Repositories } from '../db/repositories/index.js';

/** The audit chain's position after a write; activities return it, so the run's Temporal history holds it too. */
export interface AuditMark {
  auditSeq: number;
  auditHash: string;
}

/**
 * Appends an audit event on behalf of the running activity. The idempotency key is the activity's own
 * identity (workflow execution and activity id, the same on every retry), so the event is written once.
 */
export async function auditFromActivity(
  repos: Repositories,
  event: { action: string; subjectType: string; subjectId: string; payload?: Record<string, unknown>; actor?: string },
  part = '',
): Promise<AuditMark> {
  const info = activityInfo();
  const row = await repos.audit.append({
    actor: event.actor ?? 'system',
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    payload: { ...event.payload, ...(info.workflowExecution ? { workflowId: info.workflowExecution.workflowId } : {}) },
    idempotencyKey: `activity:${info.workflowExecution?.runId ?? 'standalone'}:${info.activityId}${part ? `:${part}` : ''}`,
  });
  return { auditSeq: row.seq, auditHash: row.hash };
}
