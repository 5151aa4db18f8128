import { Field, Float, ID, InputType, Int } from '@nestjs/graphql';

@InputType({ description: 'A batch scoring job: a model version scores every row of a dataset version into a new dataset version.' })
export class ScoreDatasetInput {
  @Field({ description: 'Model name.' }) model!: string;
  @Field(() => Int, { nullable: true, description: 'Model version; the one serving production when omitted.' }) version?: number;
  @Field({ description: 'Dataset name.' }) dataset!: string;
  @Field(() => Int, { nullable: true, description: 'Dataset version; the latest when omitted.' }) datasetVersion?: number;
  @Field({ nullable: true, description: 'Dataset the scores are registered in, as its next version; <model>-scores when omitted.' }) output?: string;
  @Field(() => [String], { nullable: true, description: 'Input columns copied to each output row to join on; the row number always is.' }) idColumns?: string[];
  @Field(() => Int, { nullable: true, description: 'Rows per chunk, 100 to 1,000,000; 50,000 when omitted.' }) chunkRows?: number;
  @Field(() => Int, { nullable: true, description: 'Chunks scored at once on the training pool, 1 to 64; 4 when omitted.' }) parallelism?: number;
  @Field(() => Float, { nullable: true, description: 'Share of rows the model may reject (0 to 1) before the job fails; 0.01 when omitted.' }) maxRejectedFraction?: number;
  @Field({ nullable: true, description: 'How long a chunk may go silent before its worker is taken for dead and the chunk runs elsewhere, 5s to 1h; 2m when omitted.' }) heartbeatTimeout?: string;
  @Field({ nullable: true, description: 'Also write a drift report of the scored rows against the model’s training reference (a uniform sample of at most the spec’s monitoring.maxRows); false when omitted.' })
  monitoring?: boolean;
}

@InputType()
export class ScoringJobInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class CancelScoringJobInput {
  @Field(() => ID) id!: string;
  @Field({ nullable: true, description: 'Why, for the audit history.' }) reason?: string;
}

@InputType()
export class ScoringJobsInput {
  @Field({ nullable: true, description: 'Only this model’s jobs.' }) model?: string;
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; 20 when omitted.' }) first?: number;
  @Field({ nullable: true, description: 'endCursor of the previous page.' }) after?: string;
}
