import { Module } from '@nestjs/common';
import { EventsResolver, WebhookDeliveriesResolver } from './events.resolver.js';
import { EventsService } from './events.service.js';

/** Registry and monitoring events, and the webhooks that receive them. */
@Module({ providers: [EventsResolver, WebhookDeliveriesResolver, EventsService] })
export class EventsModule {}
