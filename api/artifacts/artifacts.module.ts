import { Module } from '@nestjs/common';
import { ArtifactsResolver } from './artifacts.resolver.js';

@Module({ providers: [ArtifactsResolver] })
export class ArtifactsModule {}
