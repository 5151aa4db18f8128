import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { CoreModule, type ApiDependencies } from './core/core.module.js';
import { formatGraphQLError } from './errors/graphql-errors.js';
import { HealthModule } from './health/health.module.js';

/** The API: one NestJS module per domain, GraphQL code-first on Apollo. */
@Module({})
export class AppModule {
  static forRoot(deps: ApiDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(deps),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          sortSchema: true,
          path: '/graphql',
          introspection: true,
          includeStacktraceInErrorResponses: false,
          formatError: formatGraphQLError,
        }),
        HealthModule,
      ],
    };
  }
}
