import { Args, Context, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import type { RequestContext } from '../common/loaders.js';
import { DatasetVersion } from '../datasets/models/dataset.model.js';
import { toDatasetVersionModel } from '../datasets/datasets.service.js';
import { Deployment, ModelVersion } from '../registry/models/model.model.js';
import { toDeploymentModel, toModelVersionModel } from '../registry/registry.service.js';
import { CancelRunInput, PipelineRunsInput, RunIdInput } from './dto/pipeline-runs.input.js';
import { GateDecisionInput } from './dto/gate-decision.input.js';
import { SubmitPipelineInput } from './dto/submit-pipeline.input.js';
import { Gate, GateDecisionRecord, LeaderboardEntry, PipelineRun, PipelineRunConnection, Reproduction, RunStep, Trial } from './models/pipeline-run.model.js';
import { leaderboard } from './leaderboard.js';
import { environmentDifferences, PRIVATE_TRAINING_DIFFERS } from '../../domain/environment.js';
import { searchPlan } from '../../domain/pipeline/search.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import { decisionsInOrder } from './gate-decisions.js';
import { RunsService } from './runs.service.js';

@Resolver(() => PipelineRun)
export class RunsResolver {
  constructor(private readonly runs: RunsService) {}

  @Roles(...MUTATION_ROLES.submitPipeline)
  @Mutation(() => PipelineRun, { description: 'Validates a pipeline spec and starts its run. Invalid fields are reported with their paths.' })
  async submitPipeline(@Args('input') input: SubmitPipelineInput, @CurrentCaller() caller: Caller): Promise<PipelineRun> {
    return await this.runs.submit(input, caller);
  }

  @Query(() => PipelineRun)
  async pipelineRun(@Args('input') input: RunIdInput): Promise<PipelineRun> {
    return this.runs.toModel(await this.runs.get(input.runId));
  }

  @Query(() => PipelineRunConnection, { description: 'Runs, newest first, filtered and cursor-paginated.' })
  async pipelineRuns(@Args('input', { nullable: true }) input?: PipelineRunsInput): Promise<PipelineRunConnection> {
    return await this.runs.list(input ?? {});
  }

  @Roles(...MUTATION_ROLES.approveGate)
  @Mutation(() => Gate, { description: 'Approves the open gate as the caller. Refused at once when it cannot count: no open gate, already approved by you, you submitted the run, or your role is not the gate\'s.' })
  async approveGate(@Args('input') input: GateDecisionInput, @CurrentCaller() caller: Caller): Promise<Gate> {
    return await this.runs.decide(input, 'approve', caller);
  }

  @Roles(...MUTATION_ROLES.rejectGate)
  @Mutation(() => Gate, { description: 'Rejects the open gate as the caller; the run ends as rejected.' })
  async rejectGate(@Args('input') input: GateDecisionInput, @CurrentCaller() caller: Caller): Promise<Gate> {
    return await this.runs.decide(input, 'reject', caller);
  }

  @Roles(...MUTATION_ROLES.reproduce)
  @Mutation(() => PipelineRun, { description: 'Re-runs a run from its lineage (same dataset version, spec, seeds), training afresh; see its reproduction field.' })
  async reproduce(@Args('input') input: RunIdInput, @CurrentCaller() caller: Caller): Promise<PipelineRun> {
    return await this.runs.reproduce(input, caller);
  }

  @ResolveField(() => Reproduction, { nullable: true, description: 'For a reproduction: whether its artifact equals the original\'s.' })
  async reproduction(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<Reproduction | null> {
    if (run.purpose !== 'reproduce' || !run.parentRunId) return null;
    const original = await ctx.loaders.modelVersionOfRun.load(run.parentRunId);
    if (!original) return null;
    const train = (await ctx.loaders.stepsOfRun.load(run.id)).find((s) => s.name === 'train' && s.status === 'succeeded');
    const artifactSha256 = (train?.output?.bestArtifactSha256 as string | undefined) ?? null;
    const [originalTrials, trials] = await Promise.all([ctx.loaders.trialsOfRun.load(run.parentRunId), ctx.loaders.trialsOfRun.load(run.id)]);
    const originalTrial = originalTrials.find((t) => t.id === original.trialId);
    const trial = trials.find((t) => t.id === train?.output?.bestTrialId);
    return {
      originalRunId: run.parentRunId,
      originalArtifactSha256: original.artifactSha256,
      artifactSha256,
      identical: artifactSha256 === null ? null : artifactSha256 === original.artifactSha256,
      expectedDifference: original.privacy ? PRIVATE_TRAINING_DIFFERS : null,
      originalCodeVersion: original.codeVersion,
      environmentDifferences: originalTrial?.environment && trial?.environment ? environmentDifferences(originalTrial.environment, trial.environment) : [],
    };
  }

  @Roles(...MUTATION_ROLES.cancelRun)
  @Mutation(() => PipelineRun, { description: 'Cancels a running run; a partial rollout is rolled back.' })
  async cancelRun(@Args('input') input: CancelRunInput, @CurrentCaller() caller: Caller): Promise<PipelineRun> {
    return await this.runs.cancel(input, caller);
  }

  @Roles(...MUTATION_ROLES.resumeRun)
  @Mutation(() => PipelineRun, { description: 'Continues a failed or cancelled run from the step that did not finish.' })
  async resumeRun(@Args('input') input: RunIdInput, @CurrentCaller() caller: Caller): Promise<PipelineRun> {
    return await this.runs.resume(input, caller);
  }

  @ResolveField(() => [RunStep])
  async steps(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<RunStep[]> {
    return (await ctx.loaders.stepsOfRun.load(run.id)) as RunStep[];
  }

  @ResolveField(() => [Trial])
  async trials(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<Trial[]> {
    return await ctx.loaders.trialsOfRun.load(run.id);
  }

  @ResolveField(() => [LeaderboardEntry], { description: 'Succeeded trials, best first on the validation split by the primary metric; every trainer of the search.' })
  async leaderboard(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<LeaderboardEntry[]> {
    return leaderboard(await ctx.loaders.trialsOfRun.load(run.id), (run.spec as PipelineSpec).evaluation.primaryMetric);
  }

  @ResolveField(() => Int, {
    nullable: true,
    description: 'How many trials the search runs in all (every rung of successive halving); null until the dataset is registered, since halving depends on its size.',
  })
  async trialsPlanned(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<number | null> {
    const row = await ctx.loaders.run.load(run.id);
    if (!row?.datasetVersionId) return null;
    const version = await ctx.loaders.datasetVersion.load(row.datasetVersionId);
    return version ? searchPlan(row.spec as PipelineSpec, version.rowCount).total : null;
  }

  @ResolveField(() => [GateDecisionRecord], { description: 'Every decision, accepted (the gate record) or refused (from the audit history), in order.' })
  async gateDecisions(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<GateDecisionRecord[]> {
    const [accepted, refused] = await Promise.all([ctx.loaders.decisionsOfRun.load(run.id), ctx.loaders.refusalsOfRun.load(run.id)]);
    return decisionsInOrder(accepted, refused);
  }

  @ResolveField(() => [Gate])
  async gates(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<Gate[]> {
    const row = await ctx.loaders.run.load(run.id);
    return await this.runs.gates(row!, await ctx.loaders.decisionsOfRun.load(run.id));
  }

  @ResolveField(() => DatasetVersion, { nullable: true })
  async datasetVersion(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<DatasetVersion | null> {
    const row = await ctx.loaders.run.load(run.id);
    if (!row?.datasetVersionId) return null;
    const version = await ctx.loaders.datasetVersion.load(row.datasetVersionId);
    return version ? toDatasetVersionModel(version) : null;
  }

  @ResolveField(() => ModelVersion, { nullable: true })
  async modelVersion(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<ModelVersion | null> {
    const version = await ctx.loaders.modelVersionOfRun.load(run.id);
    return version ? toModelVersionModel(version, run.modelName) : null;
  }

  @ResolveField(() => [Deployment], { description: 'Deployments this run made, including ended and rolled back ones.' })
  async deployments(@Parent() run: PipelineRun, @Context() ctx: RequestContext): Promise<Deployment[]> {
    return (await ctx.loaders.deploymentsOfRun.load(run.id)).map(toDeploymentModel);
  }
}
