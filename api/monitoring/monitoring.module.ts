import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { MonitoringResolver } from './monitoring.resolver.js';
import { MonitoringService } from './monitoring.service.js';
import { SchedulesResolver } from './schedules.resolver.js';
import { SchedulesService } from './schedules.service.js';

/** Drift reports, schedules and retraining. */
@Module({ imports: [RunsModule], providers: [MonitoringResolver, MonitoringService, SchedulesResolver, SchedulesService], exports: [MonitoringService] })
export class MonitoringModule {}
