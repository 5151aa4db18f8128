import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { PageInfo } from '../../runs/models/pipeline-run.model.js';

@ObjectType({ description: 'A column’s histogram as PSI compared it: the reference deciles (numeric) or categories, with the share of rows in each.' })
export class DriftBins {
  @Field(() => [String], { description: '[lower, upper) for a numeric bin (the first open below, the last above); the category for a categorical one.' }) labels!: string[];
  @Field(() => [Float], { description: 'Share of the training reference in each bin.' }) reference!: number[];
  @Field(() => [Float], { description: 'Share of the served window in each bin.' }) current!: number[];
}

@ObjectType({ description: 'Drift of one column (a feature, or the predictions) against the training reference.' })
export class ColumnDrift {
  @Field({ nullable: true, description: 'The feature; empty for predictions.' }) name?: string;
  @Field({ description: 'numeric or categorical' }) kind!: string;
  @Field(() => Int) referenceCount!: number;
  @Field(() => Int) currentCount!: number;
  @Field(() => Float, { description: 'Population Stability Index over the reference deciles (numeric) or categories.' }) psi!: number;
  @Field(() => Float, { nullable: true, description: 'Two-sample Kolmogorov–Smirnov statistic (numeric).' }) ksStatistic?: number;
  @Field(() => Float, { nullable: true, description: 'Its p-value, as scipy.stats.ks_2samp computes it.' }) ksPValue?: number;
  @Field(() => Float, { nullable: true, description: 'Pearson chi-square against the reference shares (categorical).' }) chiSquare?: number;
  @Field(() => Float, { nullable: true }) chiSquarePValue?: number;
  @Field() drifted!: boolean;
  @Field(() => [String], { description: 'Each limit crossed, as a sentence.' }) reasons!: string[];
  @Field(() => DriftBins, { nullable: true, description: 'The histograms compared; null on reports made before they were kept.' }) bins?: DriftBins | null;
}

@ObjectType({ description: 'Performance on predictions whose true outcome was recorded with recordFeedback.' })
export class PerformanceCheck {
  @Field(() => Int) labelled!: number;
  @Field({ description: 'False when there were fewer labels than monitoring.performance.minLabels.' }) judged!: boolean;
  @Field(() => GraphQLJSON) metrics!: Record<string, number>;
  @Field(() => [String]) failures!: string[];
}

@ObjectType({ description: 'One monitoring check of a deployed model: the served predictions of a window against its training reference.' })
export class DriftReport {
  @Field(() => ID) id!: string;
  @Field() model!: string;
  @Field(() => ID) modelVersionId!: string;
  @Field({ description: 'ok, drift, degraded (performance below its limits) or insufficient_data.' }) status!: string;
  @Field(() => String, { nullable: true, description: 'The schedule whose tick ran the check.' }) scheduleId?: string | null;
  @Field(() => ID, { nullable: true, description: 'The batch scoring job whose scored rows were judged; null for a check of served traffic.' }) scoringJobId?: string | null;
  @Field({ description: 'The check’s workflow id in Temporal.' }) workflowId!: string;
  @Field() temporalUiUrl!: string;
  @Field() windowStart!: Date;
  @Field() windowEnd!: Date;
  @Field(() => Int) rows!: number;
  @Field(() => Int) labelledRows!: number;
  @Field(() => [String]) driftedFeatures!: string[];
  @Field(() => [ColumnDrift]) features!: ColumnDrift[];
  @Field(() => ColumnDrift, { nullable: true, description: 'Drift of the model’s predictions.' }) prediction?: ColumnDrift | null;
  @Field(() => PerformanceCheck) performance!: PerformanceCheck;
  @Field(() => [String], { description: 'Every finding as a sentence.' }) reasons!: string[];
  @Field({ description: 'sha256 of the training reference in the artifact store.' }) referenceSha256!: string;
  @Field() createdAt!: Date;
}

@ObjectType()
export class DriftReportConnection {
  @Field(() => [DriftReport]) nodes!: DriftReport[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType({ description: 'What the model’s retrainer answered: a retraining started (with its run), or why not.' })
export class RetrainingAnswer {
  @Field({ description: 'started or skipped' }) status!: string;
  @Field() reason!: string;
  @Field(() => ID, { nullable: true }) runId?: string | null;
  @Field(() => String, { nullable: true }) workflowId?: string | null;
}
