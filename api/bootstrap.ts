import 'reflect-metadata';
import { ConsoleLogger, type DynamicModule, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';
import { temporalDataConverter } from '../clients/payload-codec.js';
import { TokensService } from './access/tokens.service.js';
import { AppModule, ServingAppModule } from './app.module.js';
import { serveConsole } from './http/console.js';
import { hardenHttp } from './http/hardening.js';
import { serveFastPredict } from './serving/fast-predict.js';
import { clientTracing } from '../observability/tracing.js';
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
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.encryption), interceptors: clientTracing() });
}

/**
 * On a database with no admin, prints how to create the first admin token: a one-time code, random at
 * every start and shown only on this console. There is no default password.
 */
export async function announceFirstAdmin(app: INestApplication, graphqlUrl: string): Promise<void> {
  const code = await app.get(TokensService).prepareBootstrap();
  if (!code) return;
  const body = JSON.stringify({
    query: `mutation { createFirstAdminToken(input: { name: "you@example.com", bootstrapCode: "${code}" }) { token } }`,
  });
  process.stdout.write(
    [
      '',
      'No admin exists yet. Create the first admin token (this code works once, until the next start):',
      `  in the console at ${graphqlUrl.replace(/\/graphql$/, '/')}: "Create the first admin", with the code ${code}`,
      'or with the CLI:',
      `  npx custody login --url ${graphqlUrl.replace(/\/graphql$/, '')} --first-admin-code ${code} --name you@example.com`,
      'or, without the CLI:',
      `  curl -s ${graphqlUrl} -H 'content-type: application/json' -d '${body}'`,
      'Then send it as "Authorization: Bearer <token>"; an admin creates everyone else\'s tokens with createToken.',
      '',
    ].join('\n'),
  );
}

/** Creates the NestJS application (not yet listening): GraphQL, the console and REST. */
export async function createApiApp(deps: ApiDependencies): Promise<INestApplication> {
  const app = await createHttpApp(AppModule.forRoot(deps), deps.config);
  serveConsole(app);
  serveFastPredict(app, deps.config.security);
  return app;
}

/** The data plane's application (not yet listening): predict and feedback over REST, metrics; no GraphQL, no console. */
export async function createServingApp(deps: ApiDependencies): Promise<INestApplication> {
  const app = await createHttpApp(ServingAppModule.forRoot(deps), deps.config);
  serveFastPredict(app, deps.config.security);
  return app;
}

/** A NestJS application of `module` behind the same hardening (limits, headers, rate limit, CORS) as every other. */
async function createHttpApp(module: DynamicModule, config: Config): Promise<NestExpressApplication> {
  const levels = LOG_LEVELS[config.logLevel];
  const app = await NestFactory.create<NestExpressApplication>(module, {
    // JSON logs are one object a line, as the worker's are; text is for people at a terminal.
    logger: config.logFormat === 'json' ? new ConsoleLogger({ json: true, logLevels: levels, colors: false }) : levels,
    abortOnError: false,
    // hardenHttp parses bodies itself, after the rate limit and within the configured limit.
    bodyParser: false,
  });
  hardenHttp(app, config.security, config.encryption);
  return app;
}
