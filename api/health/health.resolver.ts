import { Mutation, Query, Resolver } from '@nestjs/graphql';
import { MUTATION_ROLES, Public, Roles } from '../access/roles.js';
import { HealthService } from './health.service.js';
import { Health, SelfCheck } from './models/health.model.js';

@Resolver()
export class HealthResolver {
  constructor(private readonly service: HealthService) {}

  @Public()
  @Query(() => Health, { description: 'Reachability of Temporal and the database, and the applied migration. Needs no token.' })
  async health(): Promise<Health> {
    return await this.service.health();
  }

  @Roles(...MUTATION_ROLES.runSelfCheck)
  @Mutation(() => SelfCheck, { description: 'Runs a tiny workflow through a worker to its database and back.' })
  async runSelfCheck(): Promise<SelfCheck> {
    return await this.service.selfCheck();
  }
}
