import { readFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../domain/random.js';
import { PROJECT_ROOT } from '../paths.js';
import type { Cluster } from './cluster.js';
import { call, MODELS } from './load.js';

/**
 * Scheduled retraining under the faults: new versions of the data uploaded now and then, a RETRAIN schedule
 * per model ticking every 30 s, and each schedule triggered by hand now and then on top, so requests for one
 * model's retraining meet while one runs. `stop` deletes the schedules (the retrainings they
 * started still end, through the same gates).
 */
export function startRetraining(cluster: Cluster, options: { spreadMs: number; seed: number }) {
  const random = seededRandom(options.seed ^ 0x7e7a);
  const stats = { schedules: 0, triggers: 0 };
  let stopped = false;
  const admin = (query: string, variables: Record<string, unknown> = {}) => call(cluster, 'admin@faults.test', query, variables);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const running = (async () => {
    await pause(options.spreadMs / 4);
    let versions = 0;
    while (!stopped && !(await uploadVersion(cluster, ++versions).catch(() => false))) await pause(2000);
    const pending = new Set(MODELS);
    while (!stopped && pending.size > 0) {
      for (const model of [...pending]) {
        await admin('mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }', { input: { model, action: 'RETRAIN', interval: '30s', catchupWindow: '10s' } })
          .then(() => (pending.delete(model), stats.schedules++))
          .catch(() => undefined); // Not registered yet, or the API is down: try again.
      }
      await pause(2000);
    }
    while (!stopped) {
      await pause(2000 + random() * 8000);
      // New data now and then, or every retraining after the first would be skipped as having nothing new.
      if (random() < 0.3) await uploadVersion(cluster, ++versions).catch(() => false);
      const model = MODELS[Math.floor(random() * MODELS.length)]!;
      await admin('mutation($id: String!) { triggerSchedule(input: { id: $id }) { id } }', { id: `retrain-${model}` })
        .then(() => stats.triggers++)
        .catch(() => undefined);
    }
  })();

  return {
    stats,
    async stop() {
      stopped = true;
      await running;
      for (const model of MODELS) {
        for (let attempt = 0; attempt < 30; attempt++) {
          const deleted = await admin('mutation($id: String!) { deleteSchedule(input: { id: $id }) { id } }', { id: `retrain-${model}` }).then(
            () => true,
            (error: Error) => /not found|no schedule|does not exist/i.test(error.message),
          );
          if (deleted) break;
          await pause(1000);
        }
      }
    },
  };
}

/** Iris again with its rows rotated by `shift`: new content, so a new version that a retraining trains on. */
async function uploadVersion(cluster: Cluster, shift: number): Promise<boolean> {
  const [header, ...lines] = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/iris.csv'), 'utf8').trim().split('\n');
  const rows = [...lines.slice(shift % lines.length), ...lines.slice(0, shift % lines.length)];
  const response = await fetch(cluster.url.replace(/\/graphql$/, '/v1/datasets/iris'), {
    method: 'POST',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${cluster.tokens['engineer@faults.test']}` },
    body: [header, ...rows].join('\n') + '\n',
    signal: AbortSignal.timeout(15_000),
  });
  return response.ok;
}
