import { Module } from '@nestjs/common';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { ScoringResolver } from './scoring.resolver.js';
import { ScoringService } from './scoring.service.js';

/** Batch scoring jobs. */
@Module({ imports: [MonitoringModule], providers: [ScoringResolver, ScoringService], exports: [ScoringService] })
export class ScoringModule {}
