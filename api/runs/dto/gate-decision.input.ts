import { Field, ID, InputType } from '@nestjs/graphql';

@InputType()
export class GateDecisionInput {
  @Field(() => ID) runId!: string;
  @Field({ nullable: true, description: 'The gate to decide; optional while one gate is open.' }) gate?: string;
  @Field({ nullable: true }) comment?: string;
}
