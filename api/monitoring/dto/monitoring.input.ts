import { Field, Float, ID, InputType, Int, registerEnumType } from '@nestjs/graphql';

export enum ScheduleAction {
  MONITOR = 'monitor',
  RETRAIN = 'retrain',
  SCORE = 'score',
}
registerEnumType(ScheduleAction, {
  name: 'ScheduleAction',
  description:
    'MONITOR: each tick checks drift and retrains when a limit is crossed. RETRAIN: each tick retrains, whatever the drift. SCORE: each tick scores the newest version of a dataset with the version in production (a batch scoring job).',
});

@InputType()
export class DriftReportsInput {
  @Field({ description: 'Model name.' }) model!: string;
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; 20 when omitted.' }) first?: number;
  @Field({ nullable: true, description: 'endCursor of the previous page.' }) after?: string;
}

@InputType()
export class DriftReportInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class RetrainModelInput {
  @Field({ description: 'Model name; the version in production is retrained on the newest version of its dataset.' }) model!: string;
  @Field({ nullable: true, description: 'Why, for the alert and the audit history.' }) reason?: string;
}

@InputType({ description: 'What each tick of a SCORE schedule scores: the newest version of the dataset, with the model version in production at the tick.' })
export class ScheduleScoringInput {
  @Field({ description: 'Dataset name.' }) dataset!: string;
  @Field({ nullable: true, description: 'Dataset the scores are registered in, a version a tick; <model>-scores when omitted.' }) output?: string;
  @Field(() => [String], { nullable: true, description: 'Input columns copied to each output row to join on.' }) idColumns?: string[];
  @Field(() => Int, { nullable: true, description: 'Rows per chunk, 100 to 1,000,000; 50,000 when omitted.' }) chunkRows?: number;
  @Field(() => Int, { nullable: true, description: 'Chunks scored at once, 1 to 64; 4 when omitted.' }) parallelism?: number;
  @Field(() => Float, { nullable: true, description: 'Share of rows the model may reject before the job fails; 0.01 when omitted.' }) maxRejectedFraction?: number;
  @Field({ nullable: true, description: 'How long a chunk may go silent before it runs elsewhere, 5s to 1h; 2m when omitted.' }) heartbeatTimeout?: string;
  @Field({ nullable: true, description: 'Also write a drift report of each tick’s scored rows.' }) monitoring?: boolean;
}

@InputType({ description: 'A Temporal Schedule for a model: give cron or interval, not both.' })
export class CreateScheduleInput {
  @Field({ description: 'Model name (registered).' }) model!: string;
  @Field(() => ScheduleAction, { nullable: true, description: 'MONITOR when omitted.' }) action?: ScheduleAction;
  @Field({ nullable: true, description: 'A cron expression, such as "0 * * * *" (hourly) or "30 2 * * 1" (Mondays 02:30).' }) cron?: string;
  @Field({ nullable: true, description: 'Every so long: 30s, 15m, 1h, 7d.' }) interval?: string;
  @Field({ nullable: true, description: 'IANA time zone the cron is read in, such as Europe/Berlin; UTC when omitted.' }) timeZone?: string;
  @Field({ nullable: true, description: 'Ticks missed while Temporal was unavailable are still taken if no later than this (10s or more); 1h when omitted.' })
  catchupWindow?: string;
  @Field(() => ScheduleScoringInput, { nullable: true, description: 'What each tick scores: required with action SCORE, refused with any other.' }) score?: ScheduleScoringInput;
  @Field({ nullable: true, description: 'Create it paused.' }) paused?: boolean;
  @Field({ nullable: true }) note?: string;
}

@InputType()
export class ScheduleIdInput {
  @Field({ description: 'The schedule id: monitor-<model>, retrain-<model> or score-<model>.' }) id!: string;
  @Field({ nullable: true, description: 'Why, shown on the schedule in the Temporal UI (pause and resume).' }) note?: string;
}

@InputType()
export class SchedulesInput {
  @Field({ nullable: true, description: 'Only this model’s schedules.' }) model?: string;
}
