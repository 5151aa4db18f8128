import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Repositories } from '../db/repositories/index.js';
import type { EventRow } from '../db/schema/index.js';
import type { deliverWebhook } from '../workflows/events/deliver-webhook.js';

export interface NewEvent {
  /** Exactly-once key: a retried write of the same event finds the first. */
  key: string;
  type: string;
  modelName: string | null;
  message: string;
  data: Record<string, unknown>;
}

/** Where delivery workflows are started: a Temporal client and the task queue of the workers. */
export interface DeliveryStarter {
  client: Client;
  taskQueue: string;
}

export const deliveryWorkflowId = (deliveryId: string): string => `webhook-delivery-${deliveryId}`;

/**
 * Records an event and hands it to every webhook that subscribes to it: one delivery row each, and one
 * `deliverWebhook` workflow each, which retries with backoff until delivered. Idempotent end to end: the
 * event, its deliveries and their workflows are keyed, so running this again after a crash only finishes
 * what the first run did not.
 */
export async function publishEvent(repos: Repositories, starter: DeliveryStarter, event: NewEvent): Promise<EventRow> {
  const row = await repos.events.append(event);
  const pending = await repos.events.fanOut(row);
  for (const delivery of pending) {
    try {
      await starter.client.workflow.start<typeof deliverWebhook>('deliverWebhook', {
        workflowId: deliveryWorkflowId(delivery.id),
        taskQueue: starter.taskQueue,
        args: [{ deliveryId: delivery.id }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `${row.type} → webhook ${delivery.webhookId}`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  return row;
}
