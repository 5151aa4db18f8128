import { Field, ID, InputType, Int } from '@nestjs/graphql';

@InputType()
export class CreateTokenInput {
  @Field({ description: "The principal's name, such as a person's e-mail or `ci-pipeline`." }) name!: string;
  @Field({ description: 'viewer, submitter, approver or admin' }) role!: string;
  @Field({ nullable: true }) description?: string;
  @Field({ nullable: true, description: 'How long the token works, such as 30d or 12h (at most 730d); 90d when omitted.' }) expiresIn?: string;
  @Field({ nullable: true, description: 'A service token that never expires: only when asked for explicitly.' }) neverExpires?: boolean;
}

@InputType()
export class FirstAdminInput {
  @Field() name!: string;
  @Field({ description: 'The one-time code the server printed at start.' }) bootstrapCode!: string;
}

@InputType()
export class TokenIdInput {
  @Field(() => ID) id!: string;
}

@InputType({ description: 'Which token to rotate (the one sending the request when omitted), and how long the old one keeps working.' })
export class RotateTokenInput {
  @Field(() => ID, { nullable: true, description: 'A token of yours (any token, for admins); the calling token when omitted.' }) id?: string;
  @Field({ nullable: true, description: 'How long the old token keeps working beside its successor, such as 1h or 7d (at most 30d); 1h when omitted, 0m to end it now.' }) overlap?: string;
  @Field({ nullable: true, description: "The successor's lifetime, such as 30d; when omitted, 90d (or never, for a token made to never expire)." }) expiresIn?: string;
  @Field({ nullable: true, description: 'A successor that never expires: only when asked for explicitly, or inherited from a token made so.' }) neverExpires?: boolean;
}

@InputType()
export class AuditTrailInput {
  @Field({ nullable: true, description: 'A run id, model version id, dataset version id, principal name…' }) subjectId?: string;
  @Field({ nullable: true }) actor?: string;
  @Field({ nullable: true, description: 'Such as run.submitted, step.succeeded, gate.decided, gate.refused, deployment.started, auth.refused.' }) action?: string;
  @Field({ nullable: true }) from?: Date;
  @Field({ nullable: true }) to?: Date;
  @Field(() => Int, { nullable: true, description: '1 to 500; 50 when omitted.' }) first?: number;
  @Field({ nullable: true }) after?: string;
}
