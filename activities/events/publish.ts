import { activityInfo, getClient } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import type { EventRow } from '../../db/schema/index.js';
import { publishEvent, type NewEvent } from '../../clients/events.js';

/** Publishes on behalf of the running activity: keyed by the activity's identity, delivered on its task queue. */
export async function publishFromActivity(repos: Repositories, event: Omit<NewEvent, 'key'>, part = ''): Promise<EventRow> {
  const info = activityInfo();
  const key = `activity:${info.workflowExecution?.runId ?? 'standalone'}:${info.activityId}${part ? `:${part}` : ''}`;
  return await publishEvent(repos, { client: getClient(), taskQueue: info.taskQueue }, { ...event, key });
}
