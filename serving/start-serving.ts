import { createServingApp, createTemporalClient } from '../api/bootstrap.js';
import type { ServingSide, StartContext } from '../start-up.js';

/**
 * The data plane of a process (`startUp` runs it): the serving application listening on its own port
 * (CUSTODY_SERVING_PORT). Its Temporal client is never connected: serving reads deployments from the
 * database and writes only the prediction log.
 */
export async function startServing({ config, database }: StartContext): Promise<ServingSide> {
  const temporal = createTemporalClient(config);
  const app = await createServingApp({ config, database, temporal });
  await app.listen(config.serving.port, config.http.host);
  return {
    url: `http://${config.http.host}:${config.serving.port}`,
    stop: () => app.close(),
    close: () => temporal.connection.close(),
  };
}
