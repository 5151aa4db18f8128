import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import type { Repositories } from '../../db/repositories.js';
import type { RequestContext } from '../common/loaders.js';
import { isUuid } from '../common/validate.js';
import { REPOSITORIES } from '../core/tokens.js';
import { toDatasetVersionModel } from '../datasets/datasets.service.js';
import { DatasetVersion } from '../datasets/models/dataset.model.js';
import { InputError } from '../errors/input-error.js';
import { PipelineRun, Trial } from '../pipelines/models/pipeline-run.model.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import { Deployment, ModelVersion } from '../registry/models/model.model.js';
import { toDeploymentModel, toModelVersionModel } from '../registry/registry.service.js';
import { DriftReport } from '../monitoring/models/drift-report.model.js';
import { MonitoringService } from '../monitoring/monitoring.service.js';
import { LineageInput } from './dto/lineage.input.js';
import { Lineage, LineageDirection, LineageNode } from './models/lineage.model.js';

/** Larger answers are refused with advice, rather than sent whole. */
const MAX_LINEAGE_NODES = 10_000;

@Resolver(() => LineageNode)
export class LineageResolver {
  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    private readonly pipelines: PipelinesService,
    private readonly monitoring: MonitoringService,
  ) {}

  @Query(() => Lineage, { description: 'The lineage graph around any artifact: what it came from, what came from it, or both.' })
  async lineage(@Args('input') input: LineageInput): Promise<Lineage> {
    if (!isUuid(input.nodeId)) throw InputError.field('input.nodeId', 'must be a UUID');
    const depth = input.depth ?? 5;
    if (!Number.isInteger(depth) || depth < 1 || depth > 10) throw InputError.field('input.depth', 'must be between 1 and 10');
    const type = await this.repos.lineage.nodeType(input.nodeId);
    if (!type) throw InputError.field('input.nodeId', 'is not a dataset version, run, trial, model version, deployment or drift report');
    const graph = await this.repos.lineage.graph(input.nodeId, type, input.direction ?? LineageDirection.BOTH, depth);
    if (graph.nodes.length > MAX_LINEAGE_NODES) {
      throw InputError.field('input.depth', `gives ${graph.nodes.length} nodes, more than ${MAX_LINEAGE_NODES}; ask for fewer hops or one direction`);
    }
    return { root: { ...graph.root, depth: 0 }, nodes: graph.nodes, edges: graph.edges };
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
    return row ? this.pipelines.toModel(row) : null;
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
