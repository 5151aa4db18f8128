import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { BundleSigning } from './bundle-signing.service.js';
import { KeysController } from './keys.controller.js';
import { ModelExportService } from './model-export.service.js';
import { ModelImportService } from './model-import.service.js';
import { RegistryController } from './registry.controller.js';
import { ModelsResolver, ModelVersionsResolver } from './registry.resolver.js';
import { RegistryService } from './registry.service.js';

@Module({ imports: [RunsModule], controllers: [RegistryController, KeysController], providers: [ModelsResolver, ModelVersionsResolver, RegistryService, ModelExportService, ModelImportService, BundleSigning] })
export class RegistryModule {}
