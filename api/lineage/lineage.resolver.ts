import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { RequestContext } from '../common/loaders.js';
import { toDatasetVersionModel } from '../datasets/datasets.service.js';
import { DatasetVersion } from '../datasets/models/dataset.model.js';
import { PipelineRun, Trial } from '../runs/models/pipeline-run.model.js';
import { RunsService } from '../runs/runs.service.js';
import { Deployment, ModelVersion } from '../registry/models/model.model.js';
import { toDeploymentModel, toModelVersionModel } from '../registry/registry.service.js';
import { DriftReport } from '../monitoring/models/drift-report.model.js';
import { MonitoringService } from '../monitoring/monitoring.service.js';
import { LineageInput } from './dto/lineage.input.js';
import { LineageService } from './lineage.service.js';
import { Lineage, LineageNode } from './models/lineage.model.js';

@Resolver(() => LineageNode)
export class LineageResolver {
  constructor(
    private readonly lineageGraph: LineageService,
    private readonly runs: RunsService,
    private readonly monitoring: MonitoringService,
  ) {}

  @Query(() => Lineage, { description: 'The lineage graph around any artifact: what it came from, what came from it, or both.' })
  async lineage(@Args('input') input: LineageInput): Promise<Lineage> {
    return await this.lineageGraph.around(input);
  }

  @ResolveField(() => DatasetVersion, { nullable: true })
  async datasetVersion(@Parent() node: LineageNode, @Context() ctx: RequestContext): Promise<DatasetVersion | null> {
    if (node.type !== 'dataset_version') return null;
    const row = await ctx.loaders.datasetVersion.load(node.id);
    return row ? toDatasetVersionModel(row) : null;
  }

  @ResolveField(() => PipelineRun, { nullable: true })
  async run(@Parent() node: LineageNode, @Context() ctx: RequestContext): Promise<PipelineRun | null> {
    if (node.type !== 'run') return null;
    const row = await ctx.loaders.run.load(node.id);
    return row ? this.runs.toModel(row) : null;
  }

  @ResolveField(() => Trial, { nullable: true })
  async trial(@Parent() node: LineageNode, @Context() ctx: RequestContext): Promise<Trial | null> {
    return node.type === 'trial' ? await ctx.loaders.trial.load(node.id) : null;
  }

  @ResolveField(() => ModelVersion, { nullable: true })
  async modelVersion(@Parent() node: LineageNode, @Context() ctx: RequestContext): Promise<ModelVersion | null> {
    if (node.type !== 'model_version') return null;
    const row = await ctx.loaders.modelVersion.load(node.id);
    if (!row) return null;
    const run = await ctx.loaders.run.load(row.runId);
    return toModelVersionModel(row, run?.modelName ?? '');
  }

  @ResolveField(() => Deployment, { nullable: true })
  async deployment(@Parent() node: LineageNode, @Context() ctx: RequestContext): Promise<Deployment | null> {
    if (node.type !== 'deployment') return null;
    const row = await ctx.loaders.deployment.load(node.id);
    return row ? toDeploymentModel(row) : null;
  }

  @ResolveField(() => DriftReport, { nullable: true })
  async driftReport(@Parent() node: LineageNode, @Context() ctx: RequestContext): Promise<DriftReport | null> {
    if (node.type !== 'drift_report') return null;
    const row = await ctx.loaders.driftReport.load(node.id);
    if (!row) return null;
    const model = await ctx.loaders.model.load(row.modelId);
    return this.monitoring.toModel(row, model?.name ?? '');
  }
}
