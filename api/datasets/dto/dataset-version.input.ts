import { Field, ID, InputType, Int } from '@nestjs/graphql';

@InputType({ description: 'Either id, or name with an optional version (the latest when omitted).' })
export class DatasetVersionInput {
  @Field(() => ID, { nullable: true }) id?: string;
  @Field({ nullable: true }) name?: string;
  @Field(() => Int, { nullable: true }) version?: number;
}
