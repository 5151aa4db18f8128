import { Module } from '@nestjs/common';
import { DatasetsResolver } from './datasets.resolver.js';
import { DatasetsService } from './datasets.service.js';

@Module({ providers: [DatasetsResolver, DatasetsService] })
export class DatasetsModule {}
