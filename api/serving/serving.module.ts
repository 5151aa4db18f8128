import { Module } from '@nestjs/common';
import { InferenceProtocolController } from './inference-protocol/inference-protocol.controller.js';
import { PredictionLog } from './prediction-log.js';
import { ServingController } from './serving.controller.js';
import { ServingResolver } from './serving.resolver.js';
import { ServingService } from './serving.service.js';

@Module({ controllers: [ServingController, InferenceProtocolController], providers: [ServingResolver, ServingService, PredictionLog] })
export class ServingModule {}
