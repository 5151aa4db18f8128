import { Module } from '@nestjs/common';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { LineageResolver } from './lineage.resolver.js';

@Module({ imports: [PipelinesModule], providers: [LineageResolver] })
export class LineageModule {}
