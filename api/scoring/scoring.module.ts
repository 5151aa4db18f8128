import { Module } from '@nestjs/common';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { ScoringController } from './scoring.controller.js';
import { ScoringResolver } from './scoring.resolver.js';
import { ScoringService } from './scoring.service.js';

/** Batch scoring jobs. */
@Module({ imports: [MonitoringModule], controllers: [ScoringController], providers: [ScoringResolver, ScoringService], exports: [ScoringService] })
export class ScoringModule {}
