import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, pagedTimestamps, timestamps, timestamptz } from './_columns.js';

/**
 * Registry changes and monitoring alerts, as events subscribers can receive: `model.registered`,
 * `deployment.started`, `deployment.rolled_back`, `release.decided` (a shadow's or an A/B test's outcome), and the `alert.*` types (why a retraining started, was
 * skipped, or how it ended). `key` makes each event exactly-once when the activity writing it retries.
 */
export const events = pgTable('events', {
  id: id(),
  key: text('key').notNull(),
  type: text('type').notNull(),
  modelName: text('model_name'),
  /** One readable sentence: what happened and why. */
  message: text('message').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  createdAt: pagedTimestamps.createdAt,
}, (t) => [
  uniqueIndex('events_key').on(t.key),
  index('events_created_idx').on(t.createdAt, t.id),
  index('events_model_created_idx').on(t.modelName, t.createdAt),
  index('events_type_created_idx').on(t.type, t.createdAt),
]);

/**
 * A subscriber: events whose type matches one of `events` (exact, `prefix.*` or `*`), optionally of one
 * model, are POSTed to `url`, signed with `secret` (HMAC-SHA256). Never deleted: disabling keeps the
 * delivery history readable.
 */
export const webhooks = pgTable('webhooks', {
  id: id(),
  url: text('url').notNull(),
  secret: text('secret').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  modelName: text('model_name'),
  description: text('description'),
  createdBy: text('created_by').notNull(),
  disabledAt: timestamptz('disabled_at'),
  ...timestamps,
});

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event for one webhook: retried with backoff by its `deliverWebhook` workflow until delivered or given up. */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: id(),
  webhookId: uuid('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'restrict' }),
  eventId: uuid('event_id').notNull().references(() => events.id, { onDelete: 'restrict' }),
  status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  lastStatusCode: integer('last_status_code'),
  lastError: text('last_error'),
  lastAttemptAt: timestamptz('last_attempt_at'),
  deliveredAt: timestamptz('delivered_at'),
  ...timestamps,
}, (t) => [
  uniqueIndex('webhook_deliveries_webhook_event_key').on(t.webhookId, t.eventId),
  index('webhook_deliveries_event_idx').on(t.eventId),
  index('webhook_deliveries_webhook_created_idx').on(t.webhookId, t.createdAt),
]);

export type EventRow = typeof events.$inferSelect;
export type NewEventRow = typeof events.$inferInsert;
export type WebhookRow = typeof webhooks.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
