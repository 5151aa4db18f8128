import { activityInfo, getClient } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import type { EventRow } from '../../db/schema/index.js';
import { publishEvent, type NewEvent } from '../../clients/events.js';

/**
 * Publishes on behalf of the running activity, delivered on its task queue: keyed by the activity's identity,
 * or by the event's own `key` when the fact it reports can be reached by more than one activity.
 */
export async function publishFromActivity(repos: Repositories, event: Omit<NewEvent, 'key'> & { key?: string }, part = ''): Promise<EventRow> {
  const info = activityInfo();
  const key = event.key ?? `activity:${info.workflowExecution?.runId ?? 'standalone'}:${info.activityId}${part ? `:${part}` : ''}`;
  return await publishEvent(repos, { client: getClient(), taskQueue: info.taskQueue }, { ...event, key });
}
