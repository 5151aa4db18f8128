import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType({ description: 'A requirement of the spec, as a shadow report met it or not.' })
export class ReleaseCheck {
  @Field() name!: string;
  @Field() required!: string;
  @Field() actual!: string;
  @Field() passed!: boolean;
}

@ObjectType({ description: 'One arm of an A/B test at a look.' })
export class ReleaseArm {
  @Field(() => Int) version!: number;
  @Field(() => Int, { description: 'Predictions this arm served since the test began.' }) predictions!: number;
  @Field(() => Int, { description: 'Of those, how many have a label; only these count.' }) labelled!: number;
  @Field(() => Float, { nullable: true, description: 'The metric on the labelled predictions.' }) estimate?: number | null;
}

@ObjectType({ description: 'One look at an A/B test: what the decision was made on.' })
export class ReleaseLook {
  @Field(() => Int) look!: number;
  @Field() at!: Date;
  @Field(() => Float, { nullable: true, description: 'challenger − champion in the metric.' }) estimate?: number | null;
  @Field(() => Float, { nullable: true, description: 'The confidence sequence\'s lower bound (null: unbounded, too few labels yet).' }) lower?: number | null;
  @Field(() => Float, { nullable: true }) upper?: number | null;
  @Field(() => Float, { description: 'The always-valid p-value: valid however often the test is looked at.' }) pValue!: number;
  @Field(() => ReleaseArm) champion!: ReleaseArm;
  @Field(() => ReleaseArm) challenger!: ReleaseArm;
  @Field(() => Int, { nullable: true, description: 'Labelled predictions per arm the test was planned to need, champion first.' }) plannedChampion?: number | null;
  @Field(() => Int, { nullable: true }) plannedChallenger?: number | null;
}

@ObjectType({ description: 'A release strategy a run carried out: a shadow or an A/B test of its version against the version serving production.' })
export class Release {
  @Field(() => ID) id!: string;
  @Field(() => ID) runId!: string;
  @Field() modelName!: string;
  @Field({ description: 'shadow or ab_test' }) strategy!: string;
  @Field({ description: 'running; a shadow then passed or failed; an A/B test promoted, rolled_back or inconclusive; skipped when nothing else served production' }) status!: string;
  @Field(() => String, { nullable: true, description: 'Why it ended as it did, with the figures.' }) outcome?: string | null;
  @Field(() => Int, { description: 'The run\'s version.' }) challengerVersion!: number;
  @Field(() => Int, { nullable: true, description: 'The version serving production as the release began.' }) championVersion?: number | null;
  @Field(() => GraphQLJSON, { description: 'The spec\'s settings for the strategy.' }) settings!: unknown;
  @Field(() => GraphQLJSON, { nullable: true, description: 'The latest report: a shadow\'s (pairs, agreement or differences, scores, latency, metrics with intervals, disagreements, checks) or an A/B test\'s (settings and latest look).' })
  report?: unknown;
  @Field(() => [ReleaseCheck], { description: 'A shadow\'s requirements, as its report met them.' }) checks!: ReleaseCheck[];
  @Field() startedAt!: Date;
  @Field(() => Date, { nullable: true }) endedAt?: Date | null;
}
