import { Module } from '@nestjs/common';
import { PipelinesResolver } from './pipelines.resolver.js';
import { PipelinesService } from './pipelines.service.js';

@Module({ providers: [PipelinesResolver, PipelinesService], exports: [PipelinesService] })
export class PipelinesModule {}
