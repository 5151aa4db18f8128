import { Module } from '@nestjs/common';
import { DatasetsResolver, DatasetVersionsResolver } from './datasets.resolver.js';
import { DatasetsService } from './datasets.service.js';

@Module({ providers: [DatasetsResolver, DatasetVersionsResolver, DatasetsService] })
export class DatasetsModule {}
