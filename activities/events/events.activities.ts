import { activityInfo, ApplicationFailure, cancellationSignal } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import { FailureType, permanentFailure } from '../failures.js';
import { SIGNATURE_HEADER, signPayload } from './signature.js';
import { BlockedTargetError, postToWebhook } from '../../clients/webhook-targets.js';

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
export function createEventsActivities({ repos, webhookAllowRanges }: { repos: Repositories; webhookAllowRanges: readonly string[] }) {
  return {
    /**
     * POSTs the event to the webhook, signed with its secret. A 2xx answer delivers it; anything else (or no
     * answer within 10 s) fails this attempt, so Temporal retries it with backoff. A URL that resolves to a
     * private address now (DNS may have changed since the webhook was created) is refused for good. Every
     * attempt is recorded.
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
      let blocked = false;
      try {
        statusCode = await postToWebhook(new URL(webhook.url), {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'custody-webhooks/1',
            'custody-event': event.type,
            'custody-delivery': delivery.id,
            [SIGNATURE_HEADER]: signPayload(webhook.secret, body, Math.floor(Date.now() / 1000)),
          },
          body,
          allowRanges: webhookAllowRanges,
          signal: AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), cancellationSignal()]),
        });
        if (statusCode < 200 || statusCode >= 300) error = `answered HTTP ${statusCode}`;
      } catch (cause) {
        blocked = cause instanceof BlockedTargetError;
        error = blocked ? `refused: ${(cause as Error).message}` : `no answer: ${(cause as Error).message}`;
      }
      await repos.events.recordAttempt(delivery.id, { number: attempt, statusCode, error, delivered: error === null, at: new Date() });
      // The history names the origin only: a URL's path or query may carry the receiver's credentials.
      const origin = new URL(webhook.url).origin;
      if (blocked) throw permanentFailure(FailureType.BadInput, `POST ${origin} ${error}`);
      if (error !== null) throw ApplicationFailure.retryable(`POST ${origin} ${error} (attempt ${attempt})`, 'WebhookDeliveryFailed');
      return { status: 'delivered', attempts: attempt };
    },

    /** Gives up on a delivery once its retries are spent, saying why. */
    async finishDelivery(input: { deliveryId: string; error: string }): Promise<void> {
      await repos.events.finishDelivery(input.deliveryId, 'failed', input.error);
    },
  };
}

export type EventsActivities = ReturnType<typeof createEventsActivities>;
