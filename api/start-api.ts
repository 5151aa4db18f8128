import type { ApiSide, StartContext } from '../start-up.js';
import { announceFirstAdmin, createApiApp, createTemporalClient } from './bootstrap.js';
import { temporalUiLink } from './common/temporal-ui.js';

/**
 * The API side of a process (`startUp` runs it): a lazily connected Temporal client, so the API starts even
 * while Temporal boots, and the NestJS app (GraphQL and the console) listening on the configured address.
 */
export async function startApi({ config, database }: StartContext): Promise<ApiSide> {
  const temporal = createTemporalClient(config);
  const app = await createApiApp({ config, database, temporal });
  await app.listen(config.http.port, config.http.host);
  return {
    temporalUi: temporalUiLink(config.temporal, 'workflows'),
    announceFirstAdmin: (graphqlUrl) => announceFirstAdmin(app, graphqlUrl),
    stop: () => app.close(),
    close: () => temporal.connection.close(),
  };
}
