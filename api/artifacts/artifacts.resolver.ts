import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import { ArtifactsService } from './artifacts.service.js';
import { CollectArtifactsInput } from './dto/collect-artifacts.input.js';
import { ArtifactCollection } from './models/artifact-collection.model.js';

@Resolver()
export class ArtifactsResolver {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Roles(...MUTATION_ROLES.collectArtifacts)
  @Mutation(() => ArtifactCollection, {
    description:
      'Removes stored content that no dataset version, model version, trial, monitoring reference, drift report, model artifact, audit event, run step or spec refers to, and that is older than minAge. A dry run by default; audited. Admins only.',
  })
  async collectArtifacts(@Args('input', { type: () => CollectArtifactsInput, nullable: true }) input: CollectArtifactsInput | undefined, @CurrentCaller() caller: Caller): Promise<ArtifactCollection> {
    return await this.artifacts.collect(input, caller);
  }
}
