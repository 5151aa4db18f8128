import { Module } from '@nestjs/common';
import { CodecController } from './codec.controller.js';
import { CodecService } from './codec.service.js';

/** The codec server for the Temporal UI (see codec.controller.ts). */
@Module({ controllers: [CodecController], providers: [CodecService] })
export class CodecModule {}
