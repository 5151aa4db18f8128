import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType({ description: 'An API token, without its secret.' })
export class ApiToken {
  @Field(() => ID) id!: string;
  @Field() principalName!: string;
  @Field() role!: string;
  @Field({ description: 'The first characters of the token.' }) prefix!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field() createdBy!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) revokedAt?: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the token was last used, to the minute.' }) lastUsedAt?: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the token stops working; null for a service token made to never expire.' }) expiresAt?: Date | null;
}

@ObjectType()
export class CreatedToken {
  @Field({ description: 'The secret: shown this once, stored only as a hash. Send it as Authorization: Bearer <token>.' }) token!: string;
  @Field(() => ApiToken) details!: ApiToken;
}

@ObjectType()
export class Me {
  @Field() name!: string;
  @Field() role!: string;
}

@ObjectType({ description: 'One event of the append-only, hash-chained audit history.' })
export class AuditEvent {
  @Field(() => ID) id!: string;
  @Field(() => Int) seq!: number;
  @Field() at!: Date;
  @Field() actor!: string;
  @Field() action!: string;
  @Field() subjectType!: string;
  @Field() subjectId!: string;
  @Field(() => GraphQLJSON) payload!: Record<string, unknown>;
  @Field() prevHash!: string;
  @Field() hash!: string;
}

@ObjectType()
export class AuditEventConnection {
  @Field(() => [AuditEvent]) nodes!: AuditEvent[];
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' }) endCursor?: string | null;
}

@ObjectType()
export class AuditBreak {
  @Field(() => Int) seq!: number;
  @Field(() => ID, { nullable: true, description: 'The event, when it still exists.' }) id?: string | null;
  @Field() reason!: string;
}

@ObjectType({ description: 'The result of walking the whole chain.' })
export class AuditVerification {
  @Field() ok!: boolean;
  @Field(() => Int) checked!: number;
  @Field(() => Int) headSeq!: number;
  @Field() headHash!: string;
  @Field(() => AuditBreak, { nullable: true, description: 'The first event that breaks the chain.' }) firstBad?: AuditBreak | null;
}
