import { randomUUID } from 'node:crypto';
import type { Repositories } from '../../db/repositories/index.js';
import type { Caller } from '../access/principal.js';

/**
 * Appends an audit event for something a caller asked of the API. Each call is its own event, unless `key`
 * names one that may be written only once.
 */
export async function auditRequest(
  repos: Repositories,
  caller: Caller,
  event: { action: string; subjectType: string; subjectId: string; payload: Record<string, unknown>; key?: string },
): Promise<void> {
  await repos.audit.append({
    actor: caller.name,
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    payload: event.payload,
    idempotencyKey: event.key ?? `api:${event.action}:${randomUUID()}`,
  });
}
