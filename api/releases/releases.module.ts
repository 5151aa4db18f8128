import { Module } from '@nestjs/common';
import { DeploymentReleaseResolver, ReleasesResolver, RunReleasesResolver } from './releases.resolver.js';
import { ReleasesService } from './releases.service.js';

@Module({ providers: [ReleasesResolver, RunReleasesResolver, DeploymentReleaseResolver, ReleasesService] })
export class ReleasesModule {}
