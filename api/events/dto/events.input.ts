import { Field, ID, InputType, Int } from '@nestjs/graphql';

@InputType()
export class EventsInput {
  @Field({ nullable: true, description: 'Only this model’s events.' }) model?: string;
  @Field({ nullable: true, description: 'An event type, or a prefix such as deployment.* or alert.*' }) type?: string;
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; 20 when omitted.' }) first?: number;
  @Field({ nullable: true, description: 'endCursor of the previous page.' }) after?: string;
}

@InputType()
export class AlertsInput {
  @Field({ nullable: true, description: 'Only this model’s alerts.' }) model?: string;
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; 20 when omitted.' }) first?: number;
  @Field({ nullable: true, description: 'endCursor of the previous page.' }) after?: string;
}

@InputType({ description: 'A subscriber: matching events are POSTed to the URL, signed with the secret the answer shows once.' })
export class CreateWebhookInput {
  @Field({ description: 'http(s) URL that receives the POSTs.' }) url!: string;
  @Field(() => [String], {
    description: 'Event types: exact (model.registered), prefixes (deployment.*, alert.*) or * for all.',
  })
  events!: string[];
  @Field({ nullable: true, description: 'Only this model’s events.' }) model?: string;
  @Field({ nullable: true }) description?: string;
}

@InputType()
export class WebhookIdInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class WebhookDeliveriesInput {
  @Field(() => ID) webhookId!: string;
  @Field(() => Int, { nullable: true, description: '1 to 100; 20 when omitted.' }) first?: number;
}
