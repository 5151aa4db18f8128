import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { PROJECT_ROOT } from '../../paths.js';
import type { ScoringInput } from '../../domain/scoring.js';
import type { batchScore } from '../../workflows/scoring/batch-score.js';
import { openArtifactStore } from '../../storage/open-store.js';
import { registerDatasetFile } from '../../storage/register-dataset.js';
import { uniqueTaskQueue } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { recordHistory } from '../support/histories.js';
import { eventually, exampleSpec, startPipelineWorkflow } from '../support/pipelines.js';
import { seedPrincipals } from '../support/principals.js';
import { killGroup, startWorkerProcess } from '../support/worker-process.js';

// Needs a Postgres server: two processes cannot share an in-memory PGlite.
describe.skipIf(!inject('postgresAdminUrl'))('a worker process killed during a scoring job', () => {
  let database: TestDatabase;
  let client: Client;
  const workers: ChildProcess[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-scoring-crash-'));
  const env = {
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('scoring-crash'),
    CUSTODY_DATA_DIR: path.join(dir, 'data'),
    CUSTODY_IMPORT_DIR: PROJECT_ROOT,
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedPrincipals(createRepositories(database.db));
    client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    Object.assign(env, { DATABASE_URL: database.url!, TEMPORAL_ADDRESS: inject('temporalAddress') });
  });
  afterAll(async () => {
    for (const worker of workers) killGroup(worker, 'SIGKILL');
    await client?.connection.close();
    await database?.close();
  });

  it('finishes on another worker with exactly the input rows: none missing, none twice', { timeout: 240_000 }, async () => {
    workers.push(await startWorkerProcess(env));
    // A command model whose serving process takes 400 ms a call: each 100-row chunk is one call, so chunks are in flight when the worker dies.
    const spec = exampleSpec('iris', (s) => ({
      ...s,
      name: 'slow-scorer',
      model: 'slow-scorer',
      gates: [],
      training: { trainer: 'command', command: ['node', 'test/fixtures/nearest-mean-model.mjs'], params: { delayMs: 400 } },
      evaluation: { primaryMetric: 'accuracy', thresholds: {}, champion: { enabled: false } },
      deployment: { production: {} },
    }));
    const { handle: run } = await startPipelineWorkflow(client, env.TEMPORAL_TASK_QUEUE, spec);
    expect((await run.result()).status).toBe('succeeded');

    const repos = createRepositories(database.db);
    const store = openArtifactStore({ kind: 'local', dir: path.join(env.CUSTODY_DATA_DIR, 'artifacts') });
    const file = path.join(dir, 'input.csv');
    const rows = 2400;
    writeFileSync(file, `id,sepal_length,sepal_width,petal_length,petal_width\n${Array.from({ length: rows }, (_, i) => `${i + 1},${4 + (i % 40) / 10},3,${1 + (i % 50) / 10},1`).join('\n')}\n`);
    await registerDatasetFile({ repos, store }, { name: 'crash-input', file, format: 'csv', metadata: {}, actor: 'engineer@example.com' });

    // Started as the Temporal CLI or a schedule would: no job id, the workflow makes one.
    const input: ScoringInput = { request: { model: 'slow-scorer', dataset: 'crash-input', idColumns: ['id'], chunkRows: 100, parallelism: 2, heartbeatTimeout: '5s' }, requestedBy: 'engineer@example.com' };
    const handle = await client.workflow.start<typeof batchScore>('batchScore', { taskQueue: env.TEMPORAL_TASK_QUEUE, workflowId: `score-crash-${Date.now()}`, args: [input] });
    const jobOf = async () => (await repos.scoring.list({ modelName: 'slow-scorer' }, 1))[0];
    await eventually(jobOf, (job) => (job?.chunks?.done.length ?? 0) >= 3, 90_000);

    killGroup(workers.at(-1)!, 'SIGKILL');
    workers.push(await startWorkerProcess(env));

    const report = await handle.result();
    expect([report.rows, report.scored, report.rejected, report.chunks]).toEqual([rows, rows, 0, 24]);
    const job = (await jobOf())!;
    expect(job.status).toBe('succeeded');
    const output = await repos.datasets.findVersionsByIds([job.outputDatasetVersionId!]);
    const scored = parse(await store.read(output[0]!.sha256), { columns: true }) as { row: string; id: string }[];
    expect(scored.map((r) => Number(r.row))).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
    expect(scored.map((r) => r.id)).toEqual(Array.from({ length: rows }, (_, i) => String(i + 1)));
    // The dead worker's chunks ran again elsewhere: a chunk timed out on its heartbeat, or was retried.
    const history = await handle.fetchHistory();
    expect(history.events!.some((e) => e.activityTaskTimedOutEventAttributes || (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(true);
    recordHistory(handle.workflowId, 'batch-score-worker-killed');
  });
});
