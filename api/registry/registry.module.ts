import { Module } from '@nestjs/common';
import { ModelExportService } from './model-export.service.js';
import { RegistryController } from './registry.controller.js';
import { ModelsResolver, ModelVersionsResolver } from './registry.resolver.js';
import { RegistryService } from './registry.service.js';

@Module({ controllers: [RegistryController], providers: [ModelsResolver, ModelVersionsResolver, RegistryService, ModelExportService] })
export class RegistryModule {}
