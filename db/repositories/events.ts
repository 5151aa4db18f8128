import { and, desc, eq, inArray, isNull, like, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  events,
  webhookDeliveries,
  webhooks,
  type DeliveryStatus,
  type EventRow,
  type NewEventRow,
  type WebhookDeliveryRow,
  type WebhookRow,
} from '../schema/index.js';

export interface EventFilter {
  modelName?: string;
  /** An exact type, or a prefix ending in `.*` (`alert.*`). */
  type?: string;
}

export interface EventCursor {
  createdAt: Date;
  id: string;
}

/** True when a subscription pattern (`deployment.started`, `deployment.*`, `*`) covers an event type. */
function patternMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** Events, webhook subscriptions and their deliveries. */
export class EventsRepository {
  constructor(private readonly db: Db) {}

  /** Appends an event once per key; a repeat returns the event written first. */
  async append(event: NewEventRow): Promise<EventRow> {
    await this.db.insert(events).values(event).onConflictDoNothing({ target: events.key });
    const [row] = await this.db.select().from(events).where(eq(events.key, event.key));
    return row!;
  }

  /**
   * Creates one delivery per active webhook that subscribes to the event (once, however often this
   * runs), and returns the deliveries of the event that are still pending.
   */
  async fanOut(event: EventRow): Promise<WebhookDeliveryRow[]> {
    const active = await this.db.select().from(webhooks).where(isNull(webhooks.disabledAt));
    const subscribed = active.filter(
      (w) => (w.modelName === null || w.modelName === event.modelName) && w.events.some((pattern) => patternMatches(pattern, event.type)),
    );
    if (subscribed.length > 0) {
      await this.db
        .insert(webhookDeliveries)
        .values(subscribed.map((w) => ({ webhookId: w.id, eventId: event.id })))
        .onConflictDoNothing({ target: [webhookDeliveries.webhookId, webhookDeliveries.eventId] });
    }
    return await this.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.eventId, event.id), eq(webhookDeliveries.status, 'pending')));
  }

  async getMany(ids: readonly string[]): Promise<EventRow[]> {
    if (ids.length === 0) return [];
    return await this.db.select().from(events).where(inArray(events.id, [...ids]));
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(filter: EventFilter, limit: number, after?: EventCursor): Promise<EventRow[]> {
    const type = filter.type;
    return await this.db
      .select()
      .from(events)
      .where(
        and(
          filter.modelName ? eq(events.modelName, filter.modelName) : undefined,
          type ? (type.endsWith('.*') ? like(events.type, `${type.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : eq(events.type, type)) : undefined,
          after ? or(lt(events.createdAt, after.createdAt), and(eq(events.createdAt, after.createdAt), lt(events.id, after.id))) : undefined,
        ),
      )
      .orderBy(desc(events.createdAt), desc(events.id))
      .limit(limit);
  }

  async createWebhook(row: { url: string; secret: string; events: string[]; modelName: string | null; description: string | null; createdBy: string }): Promise<WebhookRow> {
    const [created] = await this.db.insert(webhooks).values(row).returning();
    return created!;
  }

  async webhook(id: string): Promise<WebhookRow | null> {
    const [row] = await this.db.select().from(webhooks).where(eq(webhooks.id, id));
    return row ?? null;
  }

  async listWebhooks(): Promise<WebhookRow[]> {
    return await this.db.select().from(webhooks).orderBy(desc(webhooks.createdAt));
  }

  /** Stops a webhook; its pending deliveries are cancelled at their next attempt. Returns null when it is unknown. */
  async disableWebhook(id: string): Promise<WebhookRow | null> {
    await this.db.update(webhooks).set({ disabledAt: new Date() }).where(and(eq(webhooks.id, id), isNull(webhooks.disabledAt)));
    return await this.webhook(id);
  }

  async delivery(id: string): Promise<{ delivery: WebhookDeliveryRow; event: EventRow; webhook: WebhookRow } | null> {
    const [row] = await this.db
      .select({ delivery: webhookDeliveries, event: events, webhook: webhooks })
      .from(webhookDeliveries)
      .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .where(eq(webhookDeliveries.id, id));
    return row ?? null;
  }

  async deliveriesOfWebhook(webhookId: string, limit: number): Promise<WebhookDeliveryRow[]> {
    return await this.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, webhookId))
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(limit);
  }

  /** Records one attempt; the count only rises, so a replayed write never lowers it. */
  async recordAttempt(id: string, attempt: { number: number; statusCode: number | null; error: string | null; delivered: boolean; at: Date }): Promise<void> {
    await this.db
      .update(webhookDeliveries)
      .set({
        attempts: sql`greatest(${webhookDeliveries.attempts}, ${attempt.number})`,
        lastStatusCode: attempt.statusCode,
        lastError: attempt.error,
        lastAttemptAt: attempt.at,
        ...(attempt.delivered ? { status: 'delivered' as const, deliveredAt: attempt.at } : {}),
      })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'pending')));
  }

  /** Ends a pending delivery as failed (out of attempts) or cancelled (its webhook was disabled). */
  async finishDelivery(id: string, status: Extract<DeliveryStatus, 'failed' | 'cancelled'>, error: string): Promise<void> {
    await this.db
      .update(webhookDeliveries)
      .set({ status, lastError: error })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'pending')));
  }

  /** How many webhook deliveries are in each status (for /metrics). */
  async deliveryCounts(): Promise<{ status: string; count: number }[]> {
    return await this.db.select({ status: webhookDeliveries.status, count: sql<number>`count(*)::int` }).from(webhookDeliveries).groupBy(webhookDeliveries.status);
  }
}
