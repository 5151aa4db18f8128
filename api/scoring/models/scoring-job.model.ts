import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { SCORING_JOB_STATUSES } from '../../../domain/scoring.js';
import { FailureDetail, PageInfo } from '../../runs/models/pipeline-run.model.js';

export enum ScoringJobStatus {
  running = 'running',
  succeeded = 'succeeded',
  failed = 'failed',
  cancelled = 'cancelled',
}
if (Object.values(ScoringJobStatus).join() !== SCORING_JOB_STATUSES.join()) throw new Error('ScoringJobStatus is out of step with SCORING_JOB_STATUSES');
registerEnumType(ScoringJobStatus, { name: 'ScoringJobStatus' });

@ObjectType({ description: 'A batch scoring job and, once it ends, what it came to.' })
export class ScoringJob {
  @Field(() => ID) id!: string;
  @Field() workflowId!: string;
  @Field({ description: 'The job’s workflow in the Temporal UI, with a summary per chunk.' }) temporalUiUrl!: string;
  @Field(() => ScoringJobStatus) status!: ScoringJobStatus;
  @Field() model!: string;
  modelVersionId!: string;
  inputDatasetVersionId!: string;
  outputDatasetVersionId!: string | null;
  @Field({ description: 'Dataset the scores are registered in.' }) outputDataset!: string;
  @Field(() => GraphQLJSON, { description: 'The request as made: versions left out stay left out here.' }) request!: unknown;
  @Field() requestedBy!: string;
  @Field(() => String, { nullable: true, description: 'The schedule whose tick started it, if one did.' }) scheduleId!: string | null;
  @Field(() => Int, { nullable: true, description: 'Chunks the input was split into, once planned.' }) chunksTotal!: number | null;
  @Field(() => Int, { description: 'Chunks scored so far.' }) chunksDone!: number;
  @Field(() => Int, { nullable: true, description: 'Input rows read (scored and rejected), once every chunk is scored.' }) rows!: number | null;
  @Field(() => Int, { nullable: true }) scored!: number | null;
  @Field(() => Int, { nullable: true }) rejected!: number | null;
  @Field(() => String, { nullable: true, description: 'sha256 of the rejects file (row, reason), when rows were rejected; download it from /v1/scoring-jobs/{id}/rejects.' })
  rejectsSha256!: string | null;
  @Field(() => Int, { nullable: true, description: 'Milliseconds spent inside the model, summed over chunks.' }) scoreMs!: number | null;
  @Field(() => ID, { nullable: true, description: 'The drift report of the scored rows, when the job asked for one (monitoring) and it succeeded.' }) driftReportId!: string | null;
  @Field(() => FailureDetail, { nullable: true }) error!: FailureDetail | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType()
export class ScoringJobConnection {
  @Field(() => [ScoringJob]) nodes!: ScoringJob[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
