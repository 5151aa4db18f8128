import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { RunStatus } from '../models/pipeline-run.model.js';

@InputType()
export class PipelineRunsInput {
  @Field(() => RunStatus, { nullable: true }) status?: RunStatus;
  @Field({ nullable: true }) pipelineName?: string;
  @Field({ nullable: true }) modelName?: string;
  @Field({ nullable: true, description: 'The name of the person or token that submitted the run.' }) submittedBy?: string;
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; 20 when omitted.' }) first?: number;
  @Field({ nullable: true, description: 'endCursor of the previous page.' }) after?: string;
}

@InputType()
export class RunIdInput {
  @Field(() => ID) runId!: string;
}

@InputType()
export class CancelRunInput {
  @Field(() => ID) runId!: string;
  @Field({ nullable: true }) reason?: string;
}
