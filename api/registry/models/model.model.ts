import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType()
export class FeatureColumn {
  @Field() name!: string;
  @Field() kind!: string;
}

@ObjectType({ description: 'How much a metric drops when the feature is shuffled.' })
export class FeatureImportance {
  @Field() feature!: string;
  @Field(() => Float) importance!: number;
  @Field(() => Float) std!: number;
}

@ObjectType({ description: 'What differentially private training (DP-SGD) spent: ε at δ, by the Rényi-DP accountant, and the settings that give it.' })
export class PrivacySpent {
  @Field({ description: 'dp-sgd' }) mechanism!: string;
  @Field(() => Float) epsilon!: number;
  @Field(() => Float) delta!: number;
  @Field(() => Float) noiseMultiplier!: number;
  @Field(() => Float) clipNorm!: number;
  @Field(() => Float, { description: 'The chance each row joins a step’s lot (Poisson sampling).' }) samplingRate!: number;
  @Field(() => Int) steps!: number;
  @Field(() => Float) epochs!: number;
  @Field(() => Int) batchSize!: number;
}

@ObjectType({ description: "One input column's share of an explained output." })
export class ColumnContribution {
  @Field() feature!: string;
  @Field(() => Float) value!: number;
}

@ObjectType({ description: 'SHAP values against the value of one numeric input column, one point per explained test row.' })
export class DependencePlot {
  @Field() feature!: string;
  @Field(() => [[Float]], { description: '[value, contribution] pairs.' }) points!: number[][];
}

@ObjectType({ description: 'One of the test rows with the highest or lowest explained output, and what drove it most.' })
export class ExtremeRow {
  @Field({ description: 'highest or lowest' }) rank!: string;
  @Field(() => Float) output!: number;
  @Field(() => [ColumnContribution]) top!: ColumnContribution[];
}

@ObjectType({ description: "Exact SHAP values of the model on (a sample of) its test split. Numbers and column names only: no sensitive column's value." })
export class ExplanationSummary {
  @Field(() => Int, { nullable: true, description: 'Test rows explained.' }) rows?: number | null;
  @Field(() => String, { nullable: true, description: 'The class (or target) explained.' }) of?: string | null;
  @Field(() => String, { nullable: true, description: 'identity, logit or softmax: what output is explained.' }) link?: string | null;
  @Field(() => Float, { nullable: true }) base?: number | null;
  @Field(() => [ColumnContribution], { description: 'Mean |SHAP| per input column, largest first.' }) meanAbs!: ColumnContribution[];
  @Field(() => [DependencePlot], { description: 'For the top numeric columns that are not sensitive.' }) dependence!: DependencePlot[];
  @Field(() => [ExtremeRow], { description: 'The three highest and three lowest explained rows, with their top three contributions.' }) extremes!: ExtremeRow[];
  @Field(() => String, { nullable: true, description: 'Why the model has no explanations (not built in, trained before explanations, too large).' }) skipped?: string | null;
}

@ObjectType({ description: 'A registered, content-hashed model artifact and where it came from.' })
export class ModelVersion {
  @Field(() => ID) id!: string;
  @Field() modelName!: string;
  @Field(() => Int) version!: number;
  @Field() artifactSha256!: string;
  @Field() trainer!: string;
  @Field(() => GraphQLJSON) params!: Record<string, unknown>;
  @Field(() => GraphQLJSON, { description: 'Metrics on the held-out test split.' }) metrics!: Record<string, number>;
  @Field() codeVersion!: string;
  @Field() task!: string;
  @Field() target!: string;
  @Field(() => [FeatureColumn]) features!: FeatureColumn[];
  @Field(() => ID) runId!: string;
  @Field(() => ID) datasetVersionId!: string;
  @Field(() => ID, { nullable: true }) trialId?: string | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Group fairness on the test split: per group, demographic parity and equal opportunity differences.' })
  fairness?: unknown;
  @Field(() => [FeatureImportance], { description: 'Permutation feature importance on the test split, most important first.' })
  importances!: FeatureImportance[];
  @Field(() => PrivacySpent, { nullable: true, description: 'ε spent, when the model was trained with differential privacy.' }) privacy?: PrivacySpent | null;
  @Field(() => ExplanationSummary, { nullable: true, description: 'Exact SHAP values on the test split; null for versions registered before explanations.' })
  explanations?: ExplanationSummary | null;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'A version serving a stage, from when to when, and who approved it.' })
export class Deployment {
  @Field(() => ID) id!: string;
  @Field() modelName!: string;
  @Field(() => ID) modelVersionId!: string;
  @Field(() => Int) version!: number;
  @Field({ description: 'staging or production' }) stage!: string;
  @Field({ description: 'primary serves what the canaries do not; canary serves trafficPercent; shadow answers no one and takes copies of trafficPercent of the requests the primary answers' }) role!: string;
  @Field(() => Int) trafficPercent!: number;
  @Field(() => ID, { nullable: true }) runId?: string | null;
  @Field(() => [String]) approvedBy!: string[];
  @Field() startedAt!: Date;
  @Field(() => Date, { nullable: true }) endedAt?: Date | null;
  @Field(() => String, { nullable: true, description: 'superseded, promoted, rolled_back or cancelled' }) endReason?: string | null;
}

@ObjectType()
export class Model {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'A model version exported: fetch `downloadPath` from the API with your token for the file, whose sha256 this is.' })
export class ModelExport {
  @Field() model!: string;
  @Field(() => Int) version!: number;
  @Field() format!: string;
  @Field() filename!: string;
  @Field() sha256!: string;
  @Field(() => Int) sizeBytes!: number;
  @Field({ description: 'GET it with your token: `/v1/models/{name}/versions/{version}/export?format=…`.' }) downloadPath!: string;
}
