import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { deliveryWorkflowId } from '../../clients/events.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { EventRow, WebhookDeliveryRow, WebhookRow } from '../../db/schema/index.js';
import type { Caller } from '../access/principal.js';
import { decodeCursor, pageOf, pageSize } from '../common/pagination.js';
import { auditRequest } from '../common/audit.js';
import { isUuid, modelNameField } from '../common/validate.js';
import { CONFIG, REPOSITORIES } from '../core/tokens.js';
import type { Config } from '../../config.js';
import { BlockedTargetError, screenTarget } from '../../clients/webhook-targets.js';
import type { AlertsInput, CreateWebhookInput, EventsInput, WebhookDeliveriesInput, WebhookIdInput } from './dto/events.input.js';
import type { CreatedWebhook, Event, EventConnection, Webhook, WebhookDelivery } from './models/event.model.js';
import { EventsError } from './events.error.js';

const EVENT_PATTERN = /^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/;

/** Events and the webhooks that receive them. */
@Injectable()
export class EventsService {
  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async list(input: EventsInput): Promise<EventConnection> {
    if (input.type !== undefined && input.type !== null && !EVENT_PATTERN.test(input.type)) throw EventsError.invalid('input.type', 'must be an event type or a prefix such as alert.*');
    // '*' is every type, as in a webhook's subscription.
    return await this.page({ modelName: this.model(input.model), type: input.type === '*' ? undefined : (input.type ?? undefined) }, input);
  }

  async alerts(input: AlertsInput): Promise<EventConnection> {
    return await this.page({ modelName: this.model(input.model), type: 'alert.*' }, input);
  }

  private async page(filter: { modelName?: string; type?: string }, input: { first?: number; after?: string }): Promise<EventConnection> {
    const first = pageSize(input.first);
    const rows = await this.repos.events.list(filter, first + 1, input.after ? decodeCursor(input.after) : undefined);
    return pageOf(rows, first, toEvent);
  }

  async createWebhook(input: CreateWebhookInput, caller: Caller): Promise<CreatedWebhook> {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw EventsError.invalid('input.url', 'must be an http or https URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw EventsError.invalid('input.url', 'must be an http or https URL');
    if (input.url.length > 2000) throw EventsError.invalid('input.url', 'must be at most 2000 characters');
    if (url.username || url.password) throw EventsError.invalid('input.url', 'must not carry credentials; verify the signature instead');
    if (!Array.isArray(input.events) || input.events.length === 0 || input.events.length > 20) throw EventsError.invalid('input.events', 'must list 1 to 20 event types');
    input.events.forEach((pattern, i) => {
      if (!EVENT_PATTERN.test(pattern)) throw EventsError.invalid(`input.events[${i}]`, `must be an event type, a prefix such as deployment.*, or * (got ${JSON.stringify(pattern)})`);
    });
    if (input.description !== undefined && input.description !== null && input.description.length > 500) throw EventsError.invalid('input.description', 'must be at most 500 characters');
    await this.screen(url);
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const row = await this.repos.events.createWebhook({
      url: url.toString(),
      secret,
      events: [...new Set(input.events)],
      modelName: this.model(input.model) ?? null,
      description: input.description ?? null,
      createdBy: caller.name,
    });
    // The audit history is readable by every token holder: it keeps the URL's origin, not its path or query.
    await this.audit(caller, 'webhook.created', row.id, { origin: url.origin, events: row.events, model: row.modelName });
    return { webhook: toWebhook(row), secret };
  }

  /**
   * Refuses a URL that names or resolves to a loopback, private, link-local (metadata) or other non-public
   * address. A name that does not resolve yet is accepted: every delivery screens it again before connecting.
   */
  private async screen(url: URL): Promise<void> {
    try {
      await screenTarget(url, this.config.security.webhookAllowRanges);
    } catch (error) {
      if (error instanceof BlockedTargetError) throw EventsError.invalid('input.url', `must reach a public address: ${error.message}`);
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTFOUND' && code !== 'EAI_AGAIN' && code !== 'ENODATA') throw error;
    }
  }

  async disableWebhook(input: WebhookIdInput, caller: Caller): Promise<Webhook> {
    if (!isUuid(input.id)) throw EventsError.invalid('input.id', 'must be a UUID');
    const row = await this.repos.events.disableWebhook(input.id);
    if (!row) throw new EventsError('WEBHOOK_NOT_FOUND', `No webhook has id ${input.id}`);
    await this.audit(caller, 'webhook.disabled', row.id, { origin: new URL(row.url).origin });
    return toWebhook(row);
  }

  async webhooks(): Promise<Webhook[]> {
    return (await this.repos.events.listWebhooks()).map(toWebhook);
  }

  async deliveries(input: WebhookDeliveriesInput): Promise<WebhookDelivery[]> {
    if (!isUuid(input.webhookId)) throw EventsError.invalid('input.webhookId', 'must be a UUID');
    const first = pageSize(input.first);
    if (!(await this.repos.events.webhook(input.webhookId))) throw new EventsError('WEBHOOK_NOT_FOUND', `No webhook has id ${input.webhookId}`);
    return (await this.repos.events.deliveriesOfWebhook(input.webhookId, first)).map(toDelivery);
  }

  private model(name: string | null | undefined): string | undefined {
    return name === undefined || name === null ? undefined : modelNameField(name);
  }

  private async audit(caller: Caller, action: string, webhookId: string, payload: Record<string, unknown>): Promise<void> {
    await auditRequest(this.repos, caller, { action, subjectType: 'webhook', subjectId: webhookId, payload });
  }
}

export function toEvent(row: EventRow): Event {
  return { id: row.id, type: row.type, model: row.modelName, message: row.message, data: row.data, createdAt: row.createdAt };
}

function toWebhook(row: WebhookRow): Webhook {
  return { id: row.id, url: row.url, events: row.events, model: row.modelName, description: row.description, active: row.disabledAt === null, createdBy: row.createdBy, createdAt: row.createdAt };
}

function toDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return { ...row, workflowId: deliveryWorkflowId(row.id) };
}
