import { Field, ID, InputType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@InputType()
export class PredictInput {
  @Field({ description: 'Model name.' }) model!: string;
  @Field(() => [GraphQLJSON], { description: 'Feature values, one object per prediction (at most 1000).' }) inputs!: unknown[];
  @Field({ nullable: true, description: 'A request key (a user id, say): the same key is always served by the same version.' }) key?: string;
  @Field({ nullable: true, description: "Return each prediction's exact SHAP values per input column, with its base value (built-in models)." }) explain?: boolean;
}

@InputType()
export class FeedbackInput {
  @Field(() => ID) predictionId!: string;
  @Field(() => GraphQLJSON, { description: 'The true outcome: a class or a number.' }) label!: unknown;
}
