import { Field, InputType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@InputType()
export class SubmitPipelineInput {
  @Field(() => GraphQLJSON, { nullable: true, description: 'The spec as a JSON object. Give this or specText.' })
  spec?: unknown;
  @Field({ nullable: true, description: 'The spec as YAML or JSON text, such as the contents of examples/iris/pipeline.yaml.' })
  specText?: string;
}
