import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import type { RequestContext } from '../common/loaders.js';
import { Deployment } from '../registry/models/model.model.js';
import { PipelineRun } from '../runs/models/pipeline-run.model.js';
import { ReleasesInput } from './dto/releases.input.js';
import { Release, ReleaseLook } from './models/release.model.js';
import { ReleasesService, toReleaseLookModel } from './releases.service.js';

@Resolver(() => Release)
export class ReleasesResolver {
  constructor(private readonly service: ReleasesService) {}

  @Query(() => [Release], { description: 'A model\'s shadows and A/B tests, newest first, with their reports: what `custody deployments report` prints.' })
  async releases(@Args('input') input: ReleasesInput, @CurrentCaller() caller: Caller): Promise<Release[]> {
    return await this.service.ofModel(input.model, input.limit, caller);
  }

  @ResolveField(() => [ReleaseLook], { description: 'An A/B test\'s looks in order: its effect, interval and samples per arm over time.' })
  async looks(@Parent() release: Release, @Context() ctx: RequestContext): Promise<ReleaseLook[]> {
    return (await ctx.loaders.looksOfRelease.load(release.id)).map(toReleaseLookModel);
  }
}

@Resolver(() => PipelineRun)
export class RunReleasesResolver {
  constructor(private readonly service: ReleasesService) {}

  @ResolveField(() => [Release], { description: 'The release strategies this run carried out (a shadow, an A/B test), oldest first: what an approver sees before promotion.' })
  async releases(@Parent() run: PipelineRun, @Context() ctx: RequestContext, @CurrentCaller() caller: Caller): Promise<Release[]> {
    return await this.service.toModels(await ctx.loaders.releasesOfRun.load(run.id), caller);
  }
}

@Resolver(() => Deployment)
export class DeploymentReleaseResolver {
  constructor(private readonly service: ReleasesService) {}

  @ResolveField(() => Release, { nullable: true, description: 'The shadow or A/B test this deployment carried out, with its outcome and figures.' })
  async release(@Parent() deployment: Deployment, @Context() ctx: RequestContext, @CurrentCaller() caller: Caller): Promise<Release | null> {
    const row = await ctx.loaders.releaseOfDeployment.load(deployment.id);
    return row ? ((await this.service.toModels([row], caller))[0] ?? null) : null;
  }
}
