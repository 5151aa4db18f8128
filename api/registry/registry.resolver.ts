import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { DATA_READ_ROLES, MUTATION_ROLES, Roles } from '../access/roles.js';
import { roleSatisfies } from '../../domain/access.js';
import type { RequestContext } from '../common/loaders.js';
import { DeploymentHistoryInput, ExportModelInput, ImportModelInput, ModelInput, ModelVersionInput } from './dto/registry.input.js';
import { ModelImportService } from './model-import.service.js';
import { PipelineRun } from '../runs/models/pipeline-run.model.js';
import { Deployment, ExplanationSummary, Model, ModelExport, ModelVersion } from './models/model.model.js';
import { ModelExportService } from './model-export.service.js';
import { modelCardMarkdown } from './model-card.js';
import { RegistryService, toDeploymentModel, toModelVersionModel } from './registry.service.js';

@Resolver(() => Model)
export class ModelsResolver {
  constructor(
    private readonly registry: RegistryService,
    private readonly exports: ModelExportService,
    private readonly imports: ModelImportService,
  ) {}

  @Roles(...MUTATION_ROLES.exportModel)
  @Mutation(() => ModelExport, { description: 'Exports a model version (the production one by default) and says where to fetch the file; audited. For submitters: the weights leave with it.' })
  async exportModel(@Args('input') input: ExportModelInput, @CurrentCaller() caller: Caller): Promise<ModelExport> {
    return await this.exports.exportModel(input, caller);
  }

  @Roles(...MUTATION_ROLES.importModel)
  @Mutation(() => PipelineRun, {
    description: 'Starts a run that evaluates and governs an uploaded ONNX model (POST /v1/models/{name}/import) like a trained one: trainer imported, the spec\'s gates (one approval by default).',
  })
  async importModel(@Args('input') input: ImportModelInput, @CurrentCaller() caller: Caller): Promise<PipelineRun> {
    return await this.imports.submit(input, caller);
  }

  @Query(() => Model)
  async model(@Args('input') input: ModelInput): Promise<Model> {
    return await this.registry.model(input.name);
  }

  @Query(() => [Model])
  async models(): Promise<Model[]> {
    return await this.registry.models();
  }

  @Query(() => [Deployment], { description: 'Every deployment of a model, newest first; with `at`, what was serving then.' })
  async deploymentHistory(@Args('input') input: DeploymentHistoryInput): Promise<Deployment[]> {
    return await this.registry.deploymentHistory(input.model, input.at);
  }

  @ResolveField(() => [ModelVersion], { description: 'Newest first.' })
  async versions(@Parent() model: Model, @Context() ctx: RequestContext): Promise<ModelVersion[]> {
    return (await ctx.loaders.versionsOfModel.load(model.id)).map((v) => toModelVersionModel(v, model.name));
  }

  @ResolveField(() => [Deployment], { description: 'What serves each stage now.' })
  async currentDeployments(@Parent() model: Model, @Context() ctx: RequestContext): Promise<Deployment[]> {
    return (await ctx.loaders.activeDeploymentsOfModel.load(model.id)).map(toDeploymentModel);
  }

  @ResolveField(() => ModelVersion, { nullable: true, description: 'The primary version in production.' })
  async productionVersion(@Parent() model: Model, @Context() ctx: RequestContext): Promise<ModelVersion | null> {
    const primary = (await ctx.loaders.activeDeploymentsOfModel.load(model.id)).find((d) => d.stage === 'production' && d.role === 'primary');
    if (!primary) return null;
    const version = await ctx.loaders.modelVersion.load(primary.modelVersionId);
    return version ? toModelVersionModel(version, model.name) : null;
  }
}

@Resolver(() => ModelVersion)
export class ModelVersionsResolver {
  constructor(private readonly registry: RegistryService) {}

  @Query(() => ModelVersion)
  async modelVersion(@Args('input') input: ModelVersionInput): Promise<ModelVersion> {
    return await this.registry.modelVersion(input.id);
  }

  /** The dependence plots hold test-split values: only roles that may read data back see their points. */
  @ResolveField(() => ExplanationSummary, { nullable: true, description: 'Exact SHAP values on the test split; null for versions registered before explanations. Dependence points only for roles that may read data.' })
  explanations(@Parent() version: ModelVersion, @CurrentCaller() caller: Caller): ExplanationSummary | null {
    const explanations = version.explanations ?? null;
    if (!explanations || roleSatisfies(caller.role, DATA_READ_ROLES)) return explanations;
    return { ...explanations, dependence: explanations.dependence.map((d) => ({ ...d, points: [] })) };
  }

  @ResolveField(() => String, { description: 'The model card as Markdown: intended use, data, metrics, fairness, feature importances, approvals and lineage.' })
  async modelCard(@Parent() version: ModelVersion, @Context() ctx: RequestContext): Promise<string> {
    const [row, dataset, run, decisions, trials] = await Promise.all([
      ctx.loaders.modelVersion.load(version.id),
      ctx.loaders.datasetVersion.load(version.datasetVersionId),
      ctx.loaders.run.load(version.runId),
      ctx.loaders.decisionsOfRun.load(version.runId),
      ctx.loaders.trialsOfRun.load(version.runId),
    ]);
    return modelCardMarkdown({ modelName: version.modelName, version: row!, dataset, run, decisions, trials });
  }
}
