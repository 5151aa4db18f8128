import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType({ description: "One input column's share of a prediction's output." })
export class Contribution {
  @Field({ description: 'The raw input column (a one-hot group summed back to it).' }) feature!: string;
  @Field(() => Float) value!: number;
}

@ObjectType({ description: "A prediction's exact SHAP values (TreeSHAP for trees, the linear form for linear models): base + the contributions = output." })
export class Explanation {
  @Field({ description: 'The class whose output is explained, or the target for a regression.' }) of!: string;
  @Field({ description: "What output is explained: identity (a value, or a forest's class share), logit (log-odds of the positive class), softmax (the predicted class's raw score)." }) link!: string;
  @Field(() => Float, { description: "The expected output over the training data." }) base!: number;
  @Field(() => Float) output!: number;
  @Field(() => [Contribution], { description: 'Largest magnitude first.' }) contributions!: Contribution[];
}

@ObjectType({ description: 'One prediction, with the version that served it.' })
export class Prediction {
  @Field(() => ID, { description: 'Pass to recordFeedback when the true outcome is known.' }) predictionId!: string;
  @Field(() => ID) modelVersionId!: string;
  @Field(() => Int) version!: number;
  @Field({ description: 'primary or canary' }) role!: string;
  @Field(() => GraphQLJSON, { description: 'The predicted class or number.' }) value!: string | number;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Class → probability, for classifiers.' }) probabilities?: Record<string, number> | null;
  @Field(() => Float) latencyMs!: number;
  @Field(() => Explanation, { nullable: true, description: 'With explain: true.' }) explanation?: Explanation | null;
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
