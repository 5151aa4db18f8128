import 'reflect-metadata';
import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';
import { AppModule } from './app.module.js';
import type { ApiDependencies } from './core/core.module.js';

const LOG_LEVELS: Record<Config['logLevel'], LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/** A Temporal client whose connection is made on first use, so the API starts even while Temporal boots. */
export function createTemporalClient(config: Config): Client {
  const connection = Connection.lazy({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace });
}

/** Creates the NestJS application (not yet listening). */
export async function createApiApp(deps: ApiDependencies): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(deps), {
    logger: LOG_LEVELS[deps.config.logLevel],
    abortOnError: false,
  });
  // Dataset uploads travel in GraphQL requests: allow bodies well beyond the 100 kB default.
  app.useBodyParser('json', { limit: '64mb' });
  return app;
}
