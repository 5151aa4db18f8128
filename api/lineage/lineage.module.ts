import { Module } from '@nestjs/common';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { LineageResolver } from './lineage.resolver.js';
import { LineageService } from './lineage.service.js';

@Module({ imports: [RunsModule, MonitoringModule], providers: [LineageResolver, LineageService] })
export class LineageModule {}
