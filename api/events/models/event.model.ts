import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { PageInfo } from '../../runs/models/pipeline-run.model.js';

@ObjectType({ description: 'A registry change or a monitoring alert, as subscribers receive it.' })
export class Event {
  @Field(() => ID) id!: string;
  @Field({ description: 'model.registered, deployment.started, deployment.rolled_back, release.decided, alert.retraining_started, alert.retraining_skipped, alert.retraining_finished' })
  type!: string;
  @Field(() => String, { nullable: true }) model?: string | null;
  @Field({ description: 'What happened and why, in one sentence.' }) message!: string;
  @Field(() => GraphQLJSON) data!: Record<string, unknown>;
  @Field() createdAt!: Date;
}

@ObjectType()
export class EventConnection {
  @Field(() => [Event]) nodes!: Event[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class Webhook {
  @Field(() => ID) id!: string;
  @Field() url!: string;
  @Field(() => [String]) events!: string[];
  @Field(() => String, { nullable: true }) model?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field() active!: boolean;
  @Field() createdBy!: string;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'A new webhook and its signing secret, which is shown only this once.' })
export class CreatedWebhook {
  @Field(() => Webhook) webhook!: Webhook;
  @Field({ description: 'Verify each POST: custody-signature is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with this secret>.' })
  secret!: string;
}

@ObjectType({ description: 'One event for one webhook, retried with backoff by its workflow until delivered.' })
export class WebhookDelivery {
  @Field(() => ID) id!: string;
  @Field(() => ID) eventId!: string;
  @Field({ description: 'pending, delivered, failed or cancelled' }) status!: string;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { nullable: true }) lastStatusCode?: number | null;
  @Field(() => String, { nullable: true }) lastError?: string | null;
  @Field(() => Date, { nullable: true }) lastAttemptAt?: Date | null;
  @Field(() => Date, { nullable: true }) deliveredAt?: Date | null;
  @Field({ description: 'The delivery’s workflow id in Temporal.' }) workflowId!: string;
  @Field() createdAt!: Date;
}
