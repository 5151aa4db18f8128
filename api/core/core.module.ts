import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { createRepositories } from '../../db/repositories/index.js';
import { tracedRepositories } from '../../observability/tracing.js';
import { openArtifactStore } from '../../storage/open-store.js';
import { ARTIFACT_STORE, CONFIG, DATABASE, REPOSITORIES, TEMPORAL_CLIENT } from './tokens.js';

export interface ApiDependencies {
  config: Config;
  database: Database;
  temporal: Client;
}

/** One provider each for the configuration, the database (and its repositories), the Temporal client and the artifact store. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(deps: ApiDependencies): DynamicModule {
    const providers = [
      { provide: CONFIG, useValue: deps.config },
      { provide: DATABASE, useValue: deps.database },
      { provide: TEMPORAL_CLIENT, useValue: deps.temporal },
      { provide: REPOSITORIES, useValue: tracedRepositories(createRepositories(deps.database.db)) },
      { provide: ARTIFACT_STORE, useValue: openArtifactStore(deps.config.artifacts, deps.config.encryption?.keyring) },
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
