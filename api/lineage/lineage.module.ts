import { Module } from '@nestjs/common';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { LineageResolver } from './lineage.resolver.js';

@Module({ imports: [PipelinesModule, MonitoringModule], providers: [LineageResolver] })
export class LineageModule {}
