import { Module } from '@nestjs/common';
import { ScoringResolver } from './scoring.resolver.js';
import { ScoringService } from './scoring.service.js';

/** Batch scoring jobs. */
@Module({ providers: [ScoringResolver, ScoringService], exports: [ScoringService] })
export class ScoringModule {}
