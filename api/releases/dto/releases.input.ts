import { Field, InputType, Int } from '@nestjs/graphql';

@InputType()
export class ReleasesInput {
  @Field({ description: 'Model name.' }) model!: string;
  @Field(() => Int, { defaultValue: 10, description: 'Newest first, at most this many (1-100).' }) limit!: number;
}
