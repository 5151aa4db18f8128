import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { TracingInterceptor } from './common/tracing.interceptor.js';
import { NoNulPipe } from './common/no-nul.pipe.js';
import { GraphQLModule } from '@nestjs/graphql';
import { CoreModule, type ApiDependencies } from './core/core.module.js';
import { DomainErrorFilter } from './errors/domain-error.filter.js';
import { DateTimeScalar } from './common/date-time.scalar.js';
import { formatGraphQLError } from './errors/graphql-errors.js';
import type { Repositories } from '../db/repositories/index.js';
import { createLoaders, type RequestContext } from './common/loaders.js';
import { CONFIG, REPOSITORIES } from './core/tokens.js';
import type { Config } from '../config.js';
import { costLimit, depthRule, MAX_TOKENS } from './http/query-limits.js';
import { AccessModule } from './access/access.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { CodecModule } from './codec/codec.module.js';
import { DatasetsModule } from './datasets/datasets.module.js';
import { ArtifactsModule } from './artifacts/artifacts.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { LineageModule } from './lineage/lineage.module.js';
import { MonitoringModule } from './monitoring/monitoring.module.js';
import { RunsModule } from './runs/runs.module.js';
import { RegistryModule } from './registry/registry.module.js';
import { ReleasesModule } from './releases/releases.module.js';
import { ServingModule } from './serving/serving.module.js';
import { ScoringModule } from './scoring/scoring.module.js';

/** The API: one NestJS module per domain, GraphQL code-first on Apollo. */
@Module({})
export class AppModule {
  static forRoot(deps: ApiDependencies): DynamicModule {
    return {
      module: AppModule,
      providers: [
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        { provide: APP_PIPE, useClass: NoNulPipe },
        { provide: APP_INTERCEPTOR, useClass: TracingInterceptor },
      ],
      imports: [
        CoreModule.forRoot(deps),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [REPOSITORIES, CONFIG],
          useFactory: (repos: Repositories, config: Config) => ({
            autoSchemaFile: true,
            sortSchema: true,
            // NestJS's own DateTime takes anything `new Date()` does, Invalid Date and year -48474 included.
            buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
            path: '/graphql',
            introspection: config.security.introspection,
            // The Apollo landing page loads its explorer from the internet; the console is ours instead.
            playground: false,
            validationRules: [depthRule(config.security.maxDepth)],
            parseOptions: { maxTokens: MAX_TOKENS },
            plugins: [costLimit(config.security.maxCost)],
            includeStacktraceInErrorResponses: false,
            formatError: formatGraphQLError,
            // Fresh batch loaders per request, so field resolvers never run one query per row.
            context: ({ req }: { req: RequestContext['req'] }): RequestContext => ({ req, loaders: createLoaders(repos) }),
          }),
        }),
        AccessModule,
        MetricsModule,
        HealthModule,
        RunsModule,
        DatasetsModule,
        CodecModule,
        ArtifactsModule,
        RegistryModule,
        ReleasesModule,
        ScoringModule,
        LineageModule,
        ServingModule,
        MonitoringModule,
        EventsModule,
      ],
    };
  }
}

/**
 * The data plane (`npm run serving`, docker-compose's `serving`): predictions and feedback over REST, with the
 * API's own tokens, roles, limits, errors, prediction log and metrics, and nothing of the control plane (no
 * GraphQL, uploads or console), so a flood of predictions never waits behind, nor delays, an approval.
 */
@Module({})
export class ServingAppModule {
  static forRoot(deps: ApiDependencies): DynamicModule {
    return {
      module: ServingAppModule,
      providers: [
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        { provide: APP_PIPE, useClass: NoNulPipe },
        { provide: APP_INTERCEPTOR, useClass: TracingInterceptor },
      ],
      imports: [CoreModule.forRoot(deps), AccessModule, MetricsModule, ServingModule],
    };
  }
}
