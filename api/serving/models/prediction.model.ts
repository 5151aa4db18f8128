import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType({ description: 'One prediction, with the version that served it.' })
export class Prediction {
  @Field(() => ID, { description: 'Pass to recordFeedback when the true outcome is known.' }) predictionId!: string;
  @Field(() => ID) modelVersionId!: string;
  @Field(() => Int) version!: number;
  @Field({ description: 'primary or canary' }) role!: string;
  @Field(() => GraphQLJSON, { description: 'The predicted class or number.' }) value!: string | number;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Class → probability, for classifiers.' }) probabilities?: Record<string, number> | null;
  @Field(() => Float) latencyMs!: number;
}

@ObjectType()
export class Feedback {
  @Field(() => ID) predictionId!: string;
  @Field(() => GraphQLJSON) label!: string | number;
}

@ObjectType({ description: 'The prediction log of this API process: written in batches; lost writes are counted, never silent.' })
export class ServingStats {
  @Field(() => Int) logged!: number;
  @Field(() => Int) lost!: number;
  @Field(() => Int) pending!: number;
}
