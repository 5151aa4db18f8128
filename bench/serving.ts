import type { Client } from '@temporalio/client';
import { TokensService } from '../api/access/tokens.service.js';
import { createApiApp } from '../api/bootstrap.js';
import { PredictionLog } from '../api/serving/prediction-log.js';
import { ServingService } from '../api/serving/serving.service.js';
import { loadArtifact } from '../ml/predict.js';
import { openArtifactStore } from '../storage/open-store.js';
import { time, type Timing, ms } from './timing.js';
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

export function servingSection(serving: ServingBench, kind: string): string {
  return `## Serving

The model in production after the throughput run (logistic regression on iris) answers batches of 1 and 100 identical flowers, one call at a time. Custody's path routes by the deployment state, checks every input against the training schema, predicts, and logs every prediction (batched writes to ${kind}); REST adds the HTTP request, token check and JSON. Baseline: the bare model's predict on the same rows, in a loop, in the same process.

${servingTable(serving.figures)}

Under load: ${serving.load.connections} concurrent connections for ${serving.load.seconds} s each (autocannon, in the same process), batch 1, a viewer's token, the prediction log on. Baseline: a bare \`node:http\` endpoint in the same process that reads the JSON body and answers JSON. Goal: at least 0.5× the bare endpoint's requests per second over REST.

| endpoint | requests/s | p50 | p99 | errors | ratio to bare |
| --- | --- | --- | --- | --- | --- |
| REST \`POST /v1/models/{name}/predict\` | ${serving.load.rest.requestsPerSecond.toFixed(0)} | ${serving.load.rest.p50} ms | ${serving.load.rest.p99} ms | ${serving.load.rest.errors} | **${(serving.load.rest.requestsPerSecond / serving.load.bare.requestsPerSecond).toFixed(3)}** |
| GraphQL \`predict\` | ${serving.load.graphql.requestsPerSecond.toFixed(0)} | ${serving.load.graphql.p50} ms | ${serving.load.graphql.p99} ms | ${serving.load.graphql.errors} | ${(serving.load.graphql.requestsPerSecond / serving.load.bare.requestsPerSecond).toFixed(3)} |
| bare \`node:http\` JSON (baseline) | ${serving.load.bare.requestsPerSecond.toFixed(0)} | ${serving.load.bare.p50} ms | ${serving.load.bare.p99} ms | ${serving.load.bare.errors} | 1 |

The same two loads from a load generator in a process of its own (autocannon's command line). The server's event loop then has its thread to itself, but the machine has two cores: the generator takes one, and the server shares the other with PostgreSQL writing the prediction log, which the bare endpoint does not write:

| endpoint | requests/s | p50 | p99 | errors | ratio to bare |
| --- | --- | --- | --- | --- | --- |
| REST \`POST /v1/models/{name}/predict\` | ${serving.load.apart.rest.requestsPerSecond.toFixed(0)} | ${serving.load.apart.rest.p50} ms | ${serving.load.apart.rest.p99} ms | ${serving.load.apart.rest.errors} | **${(serving.load.apart.rest.requestsPerSecond / serving.load.apart.bare.requestsPerSecond).toFixed(3)}** |
| bare \`node:http\` JSON (baseline) | ${serving.load.apart.bare.requestsPerSecond.toFixed(0)} | ${serving.load.apart.bare.p50} ms | ${serving.load.apart.bare.p99} ms | ${serving.load.apart.bare.errors} | 1 |

Prediction log during the run: ${serving.logged.toLocaleString('en')} predictions logged, ${serving.lost} lost.
`;
}

function servingTable(figures: Awaited<ReturnType<typeof servingBench>>['figures']): string {
  const rows = figures.flatMap((f) => [
    `| ${f.batch} | Custody, in process | ${f.service.perSecond.toFixed(0)} | ${ms(f.service.p50)} | ${ms(f.service.p99)} | **${(f.service.perSecond / f.bare.perSecond).toFixed(3)}** |`,
    `| ${f.batch} | Custody, REST | ${f.http.perSecond.toFixed(0)} | ${ms(f.http.p50)} | ${ms(f.http.p99)} | **${(f.http.perSecond / f.bare.perSecond).toFixed(3)}** |`,
    `| ${f.batch} | bare model predict (baseline) | ${f.bare.perSecond.toFixed(0)} | ${ms(f.bare.p50)} | ${ms(f.bare.p99)} | 1 |`,
  ]);
  return ['| batch | path | predictions/s | p50 per call | p99 per call | throughput ratio to bare |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
