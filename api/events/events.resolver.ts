import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import type { RequestContext } from '../common/loaders.js';
import { AlertsInput, CreateWebhookInput, EventsInput, WebhookDeliveriesInput, WebhookIdInput } from './dto/events.input.js';
import { CreatedWebhook, Event, EventConnection, Webhook, WebhookDelivery } from './models/event.model.js';
import { EventsService, toEvent } from './events.service.js';

@Resolver(() => Webhook)
export class EventsResolver {
  constructor(private readonly service: EventsService) {}

  @Query(() => EventConnection, { description: 'Registry changes and alerts, newest first.' })
  async events(@Args('input', { nullable: true }) input?: EventsInput): Promise<EventConnection> {
    return await this.service.list(input ?? {});
  }

  @Query(() => EventConnection, { description: 'Why retrainings started, were skipped, or how they ended; newest first.' })
  async alerts(@Args('input', { nullable: true }) input?: AlertsInput): Promise<EventConnection> {
    return await this.service.alerts(input ?? {});
  }

  // Webhook URLs may carry a receiver's credentials, and delivery errors describe the network: admins only.
  @Roles('admin')
  @Query(() => [Webhook], { description: 'Admins only.' })
  async webhooks(): Promise<Webhook[]> {
    return await this.service.webhooks();
  }

  @Roles('admin')
  @Query(() => [WebhookDelivery], { description: 'A webhook’s deliveries, newest first. Admins only.' })
  async webhookDeliveries(@Args('input') input: WebhookDeliveriesInput): Promise<WebhookDelivery[]> {
    return await this.service.deliveries(input);
  }

  @Roles(...MUTATION_ROLES.createWebhook)
  @Mutation(() => CreatedWebhook, { description: 'Subscribes a URL to events; the answer shows the signing secret once.' })
  async createWebhook(@Args('input') input: CreateWebhookInput, @CurrentCaller() caller: Caller): Promise<CreatedWebhook> {
    return await this.service.createWebhook(input, caller);
  }

  @Roles(...MUTATION_ROLES.disableWebhook)
  @Mutation(() => Webhook, { description: 'Stops a webhook; deliveries still pending are cancelled.' })
  async disableWebhook(@Args('input') input: WebhookIdInput, @CurrentCaller() caller: Caller): Promise<Webhook> {
    return await this.service.disableWebhook(input, caller);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveriesResolver {
  @ResolveField(() => Event)
  async event(@Parent() delivery: WebhookDelivery, @Context() ctx: RequestContext): Promise<Event> {
    return toEvent((await ctx.loaders.event.load(delivery.eventId))!);
  }
}
