import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { PrivacySpent } from '../../registry/models/model.model.js';
import { RUN_STATUSES } from '../../../db/schema/runs.js';

export enum RunStatus {
  running = 'running',
  awaiting_approval = 'awaiting_approval',
  succeeded = 'succeeded',
  failed = 'failed',
  rejected = 'rejected',
  rolled_back = 'rolled_back',
  cancelled = 'cancelled',
}
// Keep the GraphQL enum and the database's statuses in step.
if (Object.values(RunStatus).join() !== RUN_STATUSES.join()) throw new Error('RunStatus is out of step with RUN_STATUSES');
registerEnumType(RunStatus, { name: 'RunStatus' });

@ObjectType({ description: 'What went wrong with a run or one of its steps.' })
export class FailureDetail {
  @Field() type!: string;
  @Field() message!: string;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Such as the full data validation report, or every rejection reason.' })
  details?: unknown;
}

@ObjectType()
export class RunStep {
  @Field() name!: string;
  @Field(() => Int) position!: number;
  @Field({ description: 'running, succeeded, failed, cancelled, or reused (from the run this one resumed)' }) status!: string;
  @Field(() => Int, { description: 'Times the step was started; activity retries show in the Temporal UI.' }) attempts!: number;
  @Field(() => Date, { nullable: true }) startedAt?: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt?: Date | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Small references the step produced: ids, hashes, metrics.' }) output?: unknown;
  @Field(() => FailureDetail, { nullable: true }) error?: FailureDetail | null;
}

@ObjectType({ description: 'One hyperparameter candidate: its params, its validation metrics and its artifact.' })
export class Trial {
  @Field(() => ID) id!: string;
  @Field(() => Int) index!: number;
  @Field() trainer!: string;
  @Field(() => GraphQLJSON) params!: Record<string, unknown>;
  @Field() status!: string;
  @Field(() => GraphQLJSON, { nullable: true }) metrics?: Record<string, number> | null;
  @Field(() => String, { nullable: true }) artifactSha256?: string | null;
  @Field({ description: 'sha256 of everything that determines the artifact; equal keys share one artifact.' }) cacheKey!: string;
  @Field() codeVersion!: string;
  @Field(() => ID, { nullable: true, description: 'Set when this trial reused the artifact of an identical earlier trial.' })
  reusedFromTrialId?: string | null;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true }) error?: string | null;
  @Field(() => Date, { nullable: true }) startedAt?: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt?: Date | null;
  @Field(() => Float, { description: 'The share of the training rows the trial saw: below 1 on the early rungs of successive halving.' })
  sampleFraction!: number;
  @Field(() => GraphQLJSON, { nullable: true, description: 'What the trial was trained with: Custody, Node, OS and architecture, and a command trainer\'s interpreter and packages or lock file.' })
  environment?: unknown;
  @Field(() => [FeatureDecision], { nullable: true, description: 'With a features section: every column generated, kept or dropped, and why.' })
  featureDecisions?: FeatureDecision[] | null;
  @Field(() => PrivacySpent, { nullable: true, description: 'ε spent, when the trial trained with differential privacy.' }) privacy?: PrivacySpent | null;
  @Field(() => [Float], { nullable: true, description: "With median pruning: a boosted-trees trial's validation loss after each round." })
  learningCurve?: number[] | null;
  @Field(() => Int, { nullable: true, description: 'The round median pruning stopped the trial at; null when it ran to its end.' })
  prunedAtRound?: number | null;
  @Field(() => ID, { nullable: true, description: "Warm start: the earlier run's trial whose configuration this one retried." })
  seededFromTrialId?: string | null;
}

@ObjectType({ description: 'What the features section did with one input or generated column.' })
export class FeatureDecision {
  @Field() feature!: string;
  @Field({ description: 'The input column (or columns) it came from.' }) source!: string;
  @Field({ description: 'How it was generated: as given, a transform, one-hot, a bucket, a date part, an interaction.' }) how!: string;
  @Field({ description: 'kept or dropped' }) action!: string;
  @Field() reason!: string;
}

@ObjectType({ description: 'A succeeded trial ranked on the validation split by the primary metric.' })
export class LeaderboardEntry {
  @Field(() => Int) rank!: number;
  @Field(() => Int) trialIndex!: number;
  @Field() trainer!: string;
  @Field(() => GraphQLJSON) params!: Record<string, unknown>;
  @Field({ description: 'The primary metric it is ranked by.' }) metric!: string;
  @Field(() => Float, { nullable: true }) value?: number | null;
  @Field(() => Float) sampleFraction!: number;
  @Field(() => Int, { nullable: true }) durationMs?: number | null;
  @Field({ description: 'True when the trial reused an identical earlier trial\'s artifact.' }) reused!: boolean;
  @Field(() => Int, { nullable: true, description: 'The round median pruning stopped the trial at; pruned trials rank after those that ran to their end.' })
  prunedAtRound?: number | null;
  @Field({ description: "True when the configuration came from an earlier run's trials (warm start)." }) fromHistory!: boolean;
}

@ObjectType({ description: 'One decision on a gate as recorded: accepted (the gate record) or refused (the audit history).' })
export class GateDecisionRecord {
  @Field() gate!: string;
  @Field() actor!: string;
  @Field({ description: 'approve or reject (a person), escalate or timeout (the gate\'s timer)' }) decision!: string;
  @Field(() => String, { nullable: true }) comment?: string | null;
  @Field({ description: 'False for a refused attempt, such as a second approval by the same person.' }) accepted!: boolean;
  @Field(() => String, { nullable: true }) refusedReason?: string | null;
  @Field({ description: 'api, signal (Temporal CLI or UI) or timer' }) via!: string;
  @Field() decidedAt!: Date;
}

@ObjectType({ description: 'One approval or the rejection of a gate: who, when, and what they said.' })
export class GateVerdict {
  @Field() actor!: string;
  @Field(() => String, { nullable: true }) comment?: string | null;
  @Field() at!: Date;
}

@ObjectType({ description: 'An approval gate of a run.' })
export class Gate {
  @Field() name!: string;
  @Field({ description: 'The role that may decide: the spec\'s, or the one it escalated to.' }) role!: string;
  @Field(() => Int) quorum!: number;
  @Field({ description: 'pending, open, approved, rejected or timed_out' }) status!: string;
  @Field(() => [GateVerdict]) approvals!: GateVerdict[];
  @Field(() => GateVerdict, { nullable: true }) rejection?: GateVerdict | null;
  @Field(() => Date, { nullable: true }) deadline?: Date | null;
  @Field() onTimeout!: string;
}

@ObjectType({ description: 'How a reproduction compares with the run it reproduces.' })
export class Reproduction {
  @Field(() => ID) originalRunId!: string;
  @Field() originalArtifactSha256!: string;
  @Field(() => String, { nullable: true, description: 'Null until the reproduction has trained.' }) artifactSha256?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Whether the artifacts are byte for byte the same; null until trained.' }) identical?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Why the artifacts are expected to differ, when they are by design (private training draws fresh noise); null when they should be identical.' })
  expectedDifference?: string | null;
  @Field() originalCodeVersion!: string;
  @Field(() => [EnvironmentDifference], { description: 'How the reproduction\'s environment differs from the original trial\'s (Node, OS, interpreter, each package, lock file); empty when identical or unknown.' })
  environmentDifferences!: EnvironmentDifference[];
}

@ObjectType({ description: 'One environment fact that differs between an original trial and its reproduction.' })
export class EnvironmentDifference {
  @Field({ description: 'node, os, arch, interpreter, "package <name>" or "lockfile <path>".' }) key!: string;
  @Field(() => String, { nullable: true }) original?: string | null;
  @Field(() => String, { nullable: true }) reproduction?: string | null;
}

@ObjectType({ description: 'A pipeline run: one execution of a spec as a durable Temporal workflow.' })
export class PipelineRun {
  @Field(() => ID) id!: string;
  @Field({ description: 'pipeline-<name>-<runId>' }) workflowId!: string;
  @Field({ description: "The run's page in the Temporal Web UI." }) temporalUiUrl!: string;
  @Field() pipelineName!: string;
  @Field() modelName!: string;
  @Field(() => RunStatus) status!: RunStatus;
  @Field(() => String, { nullable: true }) currentStep?: string | null;
  @Field() submittedBy!: string;
  @Field({ description: 'What started the run: manual (a person; a reproduction asked for included) or retrain (a retrainer). Runs from before purpose existed may say reproduce.' })
  trigger!: string;
  @Field({ description: 'What the run is for: release (may deploy) or reproduce (retrains, compares artifacts, never deploys), however the run is started again.' })
  purpose!: string;
  @Field(() => GraphQLJSON, { description: 'The validated spec, defaults filled in.' }) spec!: unknown;
  @Field() specHash!: string;
  @Field(() => FailureDetail, { nullable: true }) error?: FailureDetail | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt?: Date | null;
  @Field(() => ID, { nullable: true, description: 'The run this one resumed, reproduced or retrained.' }) parentRunId?: string | null;
  @Field(() => ID, { nullable: true, description: 'For a retraining started by monitoring: the drift report whose findings started it.' })
  driftReportId?: string | null;
  datasetVersionId?: string | null;
}

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor?: string | null;
}

@ObjectType()
export class PipelineRunConnection {
  @Field(() => [PipelineRun]) nodes!: PipelineRun[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
