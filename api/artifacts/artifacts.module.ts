import { Module } from '@nestjs/common';
import { ArtifactsResolver } from './artifacts.resolver.js';
import { ArtifactsService } from './artifacts.service.js';

@Module({ providers: [ArtifactsResolver, ArtifactsService] })
export class ArtifactsModule {}
