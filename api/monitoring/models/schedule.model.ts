import { GraphQLJSON } from 'graphql-scalars';
import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ScheduleAction } from '../dto/monitoring.input.js';

@ObjectType({ description: 'A workflow a schedule started.' })
export class ScheduleRun {
  @Field() workflowId!: string;
  @Field() scheduledAt!: Date;
  @Field() takenAt!: Date;
}

@ObjectType({ description: 'A Temporal Schedule of a model, as Temporal describes it now; it shows on the Schedules page of the Temporal UI.' })
export class Schedule {
  @Field() id!: string;
  @Field() model!: string;
  @Field(() => ScheduleAction) action!: ScheduleAction;
  @Field(() => GraphQLJSON, { nullable: true, description: 'What each tick of a SCORE schedule scores: the scoring request, without versions (each tick takes the newest dataset version and the model version in production).' })
  score?: unknown;
  @Field(() => String, { nullable: true }) cron?: string | null;
  @Field(() => String, { nullable: true }) interval?: string | null;
  @Field() timeZone!: string;
  @Field({ description: 'How late a missed tick may still be taken.' }) catchupWindow!: string;
  @Field({ description: 'What happens when a tick comes while the previous one still runs: SKIP.' }) overlap!: string;
  @Field() paused!: boolean;
  @Field(() => String, { nullable: true }) note?: string | null;
  @Field(() => [Date]) nextRuns!: Date[];
  @Field(() => [ScheduleRun], { description: 'The most recent ticks, oldest first.' }) recentRuns!: ScheduleRun[];
  @Field(() => Int) actionsTaken!: number;
  @Field(() => Int, { description: 'Ticks skipped because the previous one was still running.' }) actionsSkipped!: number;
  @Field(() => Int, { description: 'Ticks missed beyond the catch-up window.' }) actionsMissed!: number;
  @Field(() => String, { nullable: true }) createdBy?: string | null;
  @Field() createdAt!: Date;
  @Field() temporalUiUrl!: string;
}
