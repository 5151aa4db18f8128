import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { DeliveryOutcome, EventsActivities } from '../../activities/events/events.activities.js';

/** Attempts a delivery gets: backoff from 1 s, doubling up to an hour apart, for about eight hours in all. */
export const WEBHOOK_MAX_ATTEMPTS = 20;

const { postWebhook } = proxyActivities<EventsActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 hour', maximumAttempts: WEBHOOK_MAX_ATTEMPTS },
});
const { finishDelivery } = proxyActivities<EventsActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '30 seconds' },
});

/**
 * Delivers one event to one webhook: the POST is an activity whose retry policy is the backoff, so the
 * attempts, their errors and their timing are all in this workflow's history. Out of attempts, the
 * delivery is marked failed with the last error.
 */
export async function deliverWebhook(input: { deliveryId: string }): Promise<DeliveryOutcome | { status: 'failed'; error: string }> {
  try {
    return await postWebhook(input);
  } catch (error) {
    let cause: unknown = error;
    while (cause instanceof Error && cause.cause) cause = cause.cause;
    const message = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
    await finishDelivery({ deliveryId: input.deliveryId, error: `gave up: ${message}` });
    return { status: 'failed', error: message };
  }
}
