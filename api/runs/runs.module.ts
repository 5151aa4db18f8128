import { Module } from '@nestjs/common';
import { RunsResolver } from './runs.resolver.js';
import { RunsService } from './runs.service.js';

@Module({ providers: [RunsResolver, RunsService], exports: [RunsService] })
export class RunsModule {}
