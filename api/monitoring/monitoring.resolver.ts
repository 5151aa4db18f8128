import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import type { RequestContext } from '../common/loaders.js';
import { PipelineRun } from '../runs/models/pipeline-run.model.js';
import { RunsService } from '../runs/runs.service.js';
import { ModelVersion } from '../registry/models/model.model.js';
import { toModelVersionModel } from '../registry/registry.service.js';
import { DriftReportInput, DriftReportsInput, RetrainModelInput } from './dto/monitoring.input.js';
import { DriftReport, DriftReportConnection, RetrainingAnswer } from './models/drift-report.model.js';
import { MonitoringService } from './monitoring.service.js';

@Resolver(() => DriftReport)
export class MonitoringResolver {
  constructor(
    private readonly monitoring: MonitoringService,
    private readonly runs: RunsService,
  ) {}

  @Query(() => DriftReportConnection, { description: 'A model’s drift reports, newest first.' })
  async driftReports(@Args('input') input: DriftReportsInput): Promise<DriftReportConnection> {
    return await this.monitoring.reports(input);
  }

  @Query(() => DriftReport)
  async driftReport(@Args('input') input: DriftReportInput): Promise<DriftReport> {
    return await this.monitoring.report(input);
  }

  @Roles(...MUTATION_ROLES.retrainModel)
  @Mutation(() => RetrainingAnswer, {
    description: 'Retrains the model in production on the newest version of its dataset, through the same validation and gates; at most one retraining per model runs at a time.',
  })
  async retrainModel(@Args('input') input: RetrainModelInput, @CurrentCaller() caller: Caller): Promise<RetrainingAnswer> {
    return await this.monitoring.retrain(input, caller);
  }

  @ResolveField(() => ModelVersion, { nullable: true, description: 'The version in production that was checked.' })
  async modelVersion(@Parent() report: DriftReport, @Context() ctx: RequestContext): Promise<ModelVersion | null> {
    const row = await ctx.loaders.modelVersion.load(report.modelVersionId);
    return row ? toModelVersionModel(row, report.model) : null;
  }

  @ResolveField(() => [PipelineRun], { description: 'The retraining runs this report triggered.' })
  async triggeredRuns(@Parent() report: DriftReport, @Context() ctx: RequestContext): Promise<PipelineRun[]> {
    return (await ctx.loaders.runsOfDriftReport.load(report.id)).map((row) => this.runs.toModel(row));
  }
}
