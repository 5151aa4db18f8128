import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import type { RequestContext } from '../common/loaders.js';
import { datasheetMarkdown } from '../registry/model-card.js';
import { DatasetsService } from './datasets.service.js';
import { DatasetVersionInput, RegisterDatasetInput } from './dto/dataset-version.input.js';
import { Dataset, DatasetVersion, PrivacyBudgetLedger } from './models/dataset.model.js';

@Resolver(() => DatasetVersion)
export class DatasetVersionsResolver {
  @ResolveField(() => String, { description: 'The datasheet as Markdown: source, license, intended use and profile.' })
  datasheet(@Parent() version: DatasetVersion): string {
    return datasheetMarkdown(version as never);
  }
}

@Resolver(() => Dataset)
export class DatasetsResolver {
  constructor(private readonly service: DatasetsService) {}

  @Query(() => [Dataset])
  async datasets(): Promise<Dataset[]> {
    return await this.service.list();
  }

  @Roles(...MUTATION_ROLES.registerDataset)
  @Mutation(() => DatasetVersion, { description: 'Registers data as the next version of a dataset; identical content returns its existing version.' })
  async registerDataset(@Args('input') input: RegisterDatasetInput, @CurrentCaller() caller: Caller): Promise<DatasetVersion> {
    return await this.service.register(input, caller.name);
  }

  @Query(() => DatasetVersion)
  async datasetVersion(@Args('input') input: DatasetVersionInput): Promise<DatasetVersion> {
    return await this.service.version(input);
  }

  @ResolveField(() => PrivacyBudgetLedger, { nullable: true, description: 'The privacy budget and its ledger; null when the dataset has none.' })
  async privacyBudget(@Parent() dataset: Dataset): Promise<PrivacyBudgetLedger | null> {
    return await this.service.privacyBudget(dataset as never);
  }

  @ResolveField(() => [DatasetVersion], { description: 'Newest first.' })
  async versions(@Parent() dataset: Dataset, @Context() ctx: RequestContext): Promise<DatasetVersion[]> {
    return (await ctx.loaders.versionsOfDataset.load(dataset.id)).map((v) => ({ ...v, datasetName: dataset.name }));
  }
}
