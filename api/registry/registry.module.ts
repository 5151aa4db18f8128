import { Module } from '@nestjs/common';
import { ModelsResolver, ModelVersionsResolver } from './registry.resolver.js';
import { RegistryService } from './registry.service.js';

@Module({ providers: [ModelsResolver, ModelVersionsResolver, RegistryService] })
export class RegistryModule {}
