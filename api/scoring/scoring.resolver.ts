import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import type { RequestContext } from '../common/loaders.js';
import { toDatasetVersionModel } from '../datasets/datasets.service.js';
import { DatasetVersion } from '../datasets/models/dataset.model.js';
import { DriftReport } from '../monitoring/models/drift-report.model.js';
import { MonitoringService } from '../monitoring/monitoring.service.js';
import { ModelVersion } from '../registry/models/model.model.js';
import { toModelVersionModel } from '../registry/registry.service.js';
import { CancelScoringJobInput, ScoreDatasetInput, ScoringJobInput, ScoringJobsInput } from './dto/scoring.input.js';
import { ScoringJob, ScoringJobConnection } from './models/scoring-job.model.js';
import { ScoringService } from './scoring.service.js';

@Resolver(() => ScoringJob)
export class ScoringResolver {
  constructor(
    private readonly scoring: ScoringService,
    private readonly monitoring: MonitoringService,
  ) {}

  @Roles(...MUTATION_ROLES.scoreDataset)
  @Mutation(() => ScoringJob, {
    description: 'Scores every row of a dataset version with a model version, as a durable job on the training workers; the scores become the next version of the output dataset, with lineage.',
  })
  async scoreDataset(@Args('input') input: ScoreDatasetInput, @CurrentCaller() caller: Caller): Promise<ScoringJob> {
    return await this.scoring.score(input, caller);
  }

  @Roles(...MUTATION_ROLES.cancelScoringJob)
  @Mutation(() => ScoringJob, { description: 'Cancels a running scoring job: it ends cancelled, with no output registered. Answers the job as it was when asked.' })
  async cancelScoringJob(@Args('input') input: CancelScoringJobInput, @CurrentCaller() caller: Caller): Promise<ScoringJob> {
    return await this.scoring.cancel(input, caller);
  }

  @Query(() => ScoringJob)
  async scoringJob(@Args('input') input: ScoringJobInput): Promise<ScoringJob> {
    return await this.scoring.job(input.id);
  }

  @Query(() => ScoringJobConnection, { description: 'Scoring jobs, newest first.' })
  async scoringJobs(@Args('input', { nullable: true }) input?: ScoringJobsInput): Promise<ScoringJobConnection> {
    return await this.scoring.jobs(input ?? {});
  }

  @ResolveField(() => ModelVersion, { nullable: true, description: 'The model version that scores.' })
  async modelVersion(@Parent() job: ScoringJob, @Context() ctx: RequestContext): Promise<ModelVersion | null> {
    const row = await ctx.loaders.modelVersion.load(job.modelVersionId);
    return row ? toModelVersionModel(row, job.model) : null;
  }

  @ResolveField(() => DatasetVersion, { nullable: true, description: 'The dataset version scored.' })
  async inputDatasetVersion(@Parent() job: ScoringJob, @Context() ctx: RequestContext): Promise<DatasetVersion | null> {
    const row = await ctx.loaders.datasetVersion.load(job.inputDatasetVersionId);
    return row ? toDatasetVersionModel(row) : null;
  }

  @ResolveField(() => DatasetVersion, { nullable: true, description: 'The scores, once the job has succeeded.' })
  async outputDatasetVersion(@Parent() job: ScoringJob, @Context() ctx: RequestContext): Promise<DatasetVersion | null> {
    if (!job.outputDatasetVersionId) return null;
    const row = await ctx.loaders.datasetVersion.load(job.outputDatasetVersionId);
    return row ? toDatasetVersionModel(row) : null;
  }

  @ResolveField(() => DriftReport, { nullable: true, description: 'The drift report of the scored rows, when the job asked for one and it succeeded.' })
  async driftReport(@Parent() job: ScoringJob): Promise<DriftReport | null> {
    return job.driftReportId ? await this.monitoring.report({ id: job.driftReportId }) : null;
  }
}
