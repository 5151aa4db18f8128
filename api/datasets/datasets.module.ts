import { Module } from '@nestjs/common';
import { DatasetsResolver, DatasetVersionsResolver } from './datasets.resolver.js';
import { DatasetsController } from './datasets.controller.js';
import { DatasetsService } from './datasets.service.js';

@Module({ controllers: [DatasetsController], providers: [DatasetsResolver, DatasetVersionsResolver, DatasetsService] })
export class DatasetsModule {}
