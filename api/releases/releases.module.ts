import { Module } from '@nestjs/common';
import { ReleasesResolver, RunReleasesResolver } from './releases.resolver.js';
import { ReleasesService } from './releases.service.js';

@Module({ providers: [ReleasesResolver, RunReleasesResolver, ReleasesService] })
export class ReleasesModule {}
