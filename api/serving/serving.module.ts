import { Module } from '@nestjs/common';
import { PredictionLog } from './prediction-log.js';
import { ServingController } from './serving.controller.js';
import { ServingResolver } from './serving.resolver.js';
import { ServingService } from './serving.service.js';

@Module({ controllers: [ServingController], providers: [ServingResolver, ServingService, PredictionLog] })
export class ServingModule {}
