import { activityInfo, ApplicationFailure, cancellationSignal } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import { FailureType, permanentFailure } from '../failures.js';
import { SIGNATURE_HEADER, signPayload } from './signature.js';

const REQUEST_TIMEOUT_MS = 10_000;

export interface DeliveryOutcome {
  status: 'delivered' | 'failed' | 'cancelled';
  attempts: number;
}

/** The JSON body a webhook receives: the event, whole. */
function webhookBody(event: { id: string; type: string; modelName: string | null; message: string; data: Record<string, unknown>; createdAt: Date }): string {
  return JSON.stringify({ id: event.id, type: event.type, model: event.modelName, message: event.message, data: event.data, createdAt: event.createdAt.toISOString() });
}

/** Webhook delivery: one signed POST per attempt; the `deliverWebhook` workflow owns the retries. */
export function createEventsActivities({ repos }: { repos: Repositories }) {
  return {
    /**
     * POSTs the event to the webhook, signed with its secret. A 2xx answer delivers it; anything else (or no
     * answer within 10 s) fails this attempt, so Temporal retries it with backoff. Every attempt is recorded.
     */
    async postWebhook(input: { deliveryId: string }): Promise<DeliveryOutcome> {
      const found = await repos.events.delivery(input.deliveryId);
      if (!found) throw permanentFailure(FailureType.BadInput, `webhook delivery ${input.deliveryId} does not exist`);
      const { delivery, event, webhook } = found;
      if (delivery.status !== 'pending') return { status: delivery.status, attempts: delivery.attempts };
      if (webhook.disabledAt) {
        await repos.events.finishDelivery(delivery.id, 'cancelled', 'the webhook was disabled');
        return { status: 'cancelled', attempts: delivery.attempts };
      }
      const body = webhookBody(event);
      const attempt = activityInfo().attempt;
      let statusCode: number | null = null;
      let error: string | null = null;
      try {
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'custody-webhooks/1',
            'custody-event': event.type,
            'custody-delivery': delivery.id,
            [SIGNATURE_HEADER]: signPayload(webhook.secret, body, Math.floor(Date.now() / 1000)),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), cancellationSignal()]),
        });
        statusCode = response.status;
        await response.body?.cancel();
        if (!response.ok) error = `answered HTTP ${response.status}`;
      } catch (cause) {
        error = `no answer: ${(cause as Error).message}`;
      }
      await repos.events.recordAttempt(delivery.id, { number: attempt, statusCode, error, delivered: error === null, at: new Date() });
      if (error !== null) throw ApplicationFailure.retryable(`POST ${webhook.url} ${error} (attempt ${attempt})`, 'WebhookDeliveryFailed');
      return { status: 'delivered', attempts: attempt };
    },

    /** Gives up on a delivery once its retries are spent, saying why. */
    async finishDelivery(input: { deliveryId: string; error: string }): Promise<void> {
      await repos.events.finishDelivery(input.deliveryId, 'failed', input.error);
    },
  };
}

export type EventsActivities = ReturnType<typeof createEventsActivities>;
