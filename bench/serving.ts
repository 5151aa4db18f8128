import type { Client } from '@temporalio/client';
import { TokensService } from '../api/access/tokens.service.js';
import { createApiApp } from '../api/bootstrap.js';
import { PredictionLog } from '../api/serving/prediction-log.js';
import { ServingService } from '../api/serving/serving.service.js';
import { loadArtifact } from '../ml/predict.js';
import { openArtifactStore } from '../storage/open-store.js';
import { time, type Timing } from './timing.js';
import { servingLoadBench, type ServingLoadFigures } from './serving-load.js';
import { predictBuiltIn } from '../ml/trainers/built-in.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { createRepositories } from '../db/repositories/index.js';

export interface ServingFigures {
  batch: number;
  /** Custody's serving path in process: routing, input checks, prediction, batched logging. */
  service: Timing;
  /** The same over REST, as an application calls it (one HTTP request at a time). */
  http: Timing;
  /** The bare model's predict in a loop: the baseline. */
  bare: Timing;
}

export interface ServingBench {
  figures: ServingFigures[];
  load: ServingLoadFigures;
  logged: number;
  lost: number;
}

const FLOWER = { sepal_length: 5.9, sepal_width: 3.0, petal_length: 5.1, petal_width: 1.8 };


/**
 * Predictions per second and latency for a model in production, at batch 1 and batch 100, with the
 * prediction log on, against the bare model's predict in a loop in the same process.
 */
export async function servingBench(deps: { config: Config; database: Database; temporal: Client; model: string }): Promise<ServingBench> {
  const app = await createApiApp({ config: { ...deps.config, logLevel: 'error' }, database: deps.database, temporal: deps.temporal });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const { token } = await app.get(TokensService).create({ name: 'bench@example.com', role: 'viewer' }, 'bench');
  const serving = app.get(ServingService);
  const repos = createRepositories(deps.database.db);
  const primary = await repos.registry.productionPrimary(deps.model);
  if (!primary) throw new Error(`${deps.model} is not in production`);
  const artifact = await loadArtifact(openArtifactStore(deps.config.artifacts, deps.config.encryption?.keyring), primary.version.artifactSha256);
  if (artifact.kind !== 'builtin') throw new Error('the serving benchmark expects a built-in model');

  const figures: ServingFigures[] = [];
  for (const [batch, calls] of [
    [1, 2000],
    [100, 200],
  ] as const) {
    const inputs = Array.from({ length: batch }, () => ({ ...FLOWER }));
    const body = JSON.stringify({ inputs });
    const bare = await time(calls, batch, () => predictBuiltIn(artifact, inputs));
    const service = await time(calls, batch, () => serving.predict(deps.model, inputs));
    const http = await time(calls, batch, async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/models/${deps.model}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      if (response.status !== 200) throw new Error(`predict answered ${response.status}`);
      await response.arrayBuffer();
    });
    figures.push({ batch, service, http, bare });
  }
  const load = await servingLoadBench(app, deps.model, token);
  const log = app.get(PredictionLog);
  await log.flush();
  const { logged, lost } = log.stats;
  await app.close();
  return { figures, load, logged, lost };
}
