import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTemporalClient } from '../../api/bootstrap.js';
import { rowsOf } from '../../db/client.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { PROJECT_ROOT } from '../../paths.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { testConfig, uniqueTaskQueue } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { killGroup, startWorkerProcess } from '../support/worker-process.js';

const FLOWERS = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.0, sepal_width: 2.9, petal_length: 4.5, petal_width: 1.5 },
  { sepal_length: 6.5, sepal_width: 3.0, petal_length: 5.8, petal_width: 2.2 },
];

interface Look {
  look: number;
  at: string;
  champion: { labelled: number; predictions: number };
  challenger: { labelled: number; predictions: number };
}

// Needs a Postgres server: the worker process and the API share the database.
describe.skipIf(!inject('postgresAdminUrl'))('a worker process killed during an A/B test', () => {
  let database: TestDatabase;
  let temporal: Client;
  let api: TestApi;
  const workers: ChildProcess[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-ab-crash-'));
  const env = { DATABASE_URL: '', TEMPORAL_ADDRESS: '', TEMPORAL_TASK_QUEUE: uniqueTaskQueue('ab-crash'), CUSTODY_DATA_DIR: dir, CUSTODY_IMPORT_DIR: PROJECT_ROOT };
  beforeAll(async () => {
    database = await createTestDatabase();
    Object.assign(env, { DATABASE_URL: database.url!, TEMPORAL_ADDRESS: inject('temporalAddress') });
    const config = testConfig(env);
    temporal = createTemporalClient(config);
    api = await startTestApi({ config, database, temporal });
  }, 120_000);
  afterAll(async () => {
    for (const worker of workers) killGroup(worker, 'SIGKILL');
    await api?.close();
    await temporal?.connection.close();
    await database?.close();
  });

  const spec = (change: (s: PipelineSpecInput) => void = () => undefined) => {
    const s = exampleSpec('iris') as PipelineSpecInput;
    Object.assign(s, { name: 'ab-crash', model: 'ab-crash', gates: [], training: { trainer: 'logistic-regression', seed: 1 } });
    s.evaluation = { primaryMetric: 'accuracy', thresholds: {}, champion: { enabled: false } };
    s.deployment = { production: {} };
    change(s);
    return s;
  };
  const submit = async (s: PipelineSpecInput) => (await api.data<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: s } })).submitPipeline.id;
  const run = async (id: string) =>
    (await api.data<{ pipelineRun: { status: string; releases: { status: string; looks: Look[] }[] } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status releases { status looks { look at champion { labelled predictions } challenger { labelled predictions } } } } }', { id })).pipelineRun;

  it('loses no sample and counts none twice: every look after the restart counts exactly what the log holds at its time', { timeout: 300_000 }, async () => {
    workers.push(await startWorkerProcess(env));
    const first = await submit(spec());
    await eventually(() => run(first), (r) => r.status === 'succeeded', 120_000, 500);
    const id = await submit(
      spec((s) => {
        s.gates = [{ name: 'decide' }];
        s.deployment = { production: { abTest: { traffic: 50, metric: 'accuracy', minimumDetectableEffect: 0.2, checkEvery: '3s', maxDuration: '10m', gate: 'decide' } } };
      }),
    );
    await eventually(async () => (await run(id)).releases[0]?.looks.length ?? 0, (n) => n >= 1, 120_000, 300);
    const served: { predictionId: string; role: string; value: string }[] = [];
    for (let i = 0; i < 400; i++) {
      const { predict } = await api.data<{ predict: typeof served }>('mutation($input: PredictInput!) { predict(input: $input) { predictionId role value } }', { input: { model: 'ab-crash', inputs: [FLOWERS[i % 3]], key: `c-${i}` } }, 'viewer@example.com');
      served.push(...predict);
    }
    // The worker dies mid-test; the labels arrive while no worker runs; another worker takes the test over.
    killGroup(workers.at(-1)!, 'SIGKILL');
    let k = 0;
    for (const p of served) {
      const right = (k++ % 100) / 100 < (p.role === 'canary' ? 0.95 : 0.6);
      await api.data('mutation($input: FeedbackInput!) { recordFeedback(input: $input) { predictionId } }', { input: { predictionId: p.predictionId, label: right ? p.value : 'setosa-not' } });
    }
    const labelsDone = new Date();
    workers.push(await startWorkerProcess(env));
    const done = await eventually(() => run(id), (r) => ['succeeded', 'failed', 'rolled_back', 'awaiting_approval'].includes(r.status), 120_000, 500);
    expect(done.status).toBe('succeeded');
    const looks = done.releases[0]!.looks;
    // One look per number, none skipped: a look retried on the new worker kept its number and its figures.
    expect(looks.map((l) => l.look)).toEqual(looks.map((_, i) => i + 1));
    const after = looks.filter((l) => new Date(l.at) > labelsDone);
    expect(after.length).toBeGreaterThanOrEqual(1);
    for (const look of after) {
      const [log] = rowsOf<{ champion: number; challenger: number; served: number }>(
        await database.db.execute(sql`
          select count(*) filter (where role = 'primary' and labeled_at <= ${look.at}::timestamptz)::int as champion,
                 count(*) filter (where role = 'canary' and labeled_at <= ${look.at}::timestamptz)::int as challenger,
                 count(*)::int as served
          from predictions where model_id = (select id from models where name = 'ab-crash') and created_at <= ${look.at}::timestamptz
            and created_at >= (select started_at from deployments where run_id = ${id} and role = 'canary')`),
      );
      expect([look.champion.labelled, look.challenger.labelled], `look ${look.look}`).toEqual([log!.champion, log!.challenger]);
      expect(look.champion.predictions + look.challenger.predictions).toBe(served.length);
    }
    expect(after.at(-1)!.champion.labelled + after.at(-1)!.challenger.labelled).toBe(served.length);
  });
});
