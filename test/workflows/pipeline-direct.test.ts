import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { seedPrincipals } from '../support/principals.js';
import { approveSignal, gatesQuery } from '../../domain/pipeline/messages.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { recordHistory } from '../support/histories.js';
import { eventually, exampleSpec, startPipelineWorkflow } from '../support/pipelines.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

describe('pipeline workflow started from a Temporal client', () => {
  let database: TestDatabase;
  let worker: TestWorker;
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedPrincipals(createRepositories(database.db));
    worker = await startTestWorker({ config: testConfig(), database });
  });
  afterAll(async () => {
    await worker?.stop();
    await database?.close();
  });

  it('runs iris to the gate, takes a raw signal, and deploys to production', async () => {
    const spec = exampleSpec('iris');
    const { runId, handle } = await startPipelineWorkflow(worker.client, worker.taskQueue, spec);
    const gates = await eventually(() => handle.query(gatesQuery), (g) => g[0]?.status === 'open', 60_000);
    expect(gates[0]!.name).toBe('production-approval');
    await handle.signal(approveSignal, { actor: 'approver@example.com', comment: 'looks good' });
    const result = await handle.result();
    expect(result.status).toBe('succeeded');
    recordHistory(handle.workflowId, 'succeeded-after-signal');
    const repos = createRepositories(database.db);
    const run = await repos.runs.get(runId);
    expect(run!.status).toBe('succeeded');
    const steps = await repos.runs.stepsOf([runId]);
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['register-dataset', 'succeeded'],
      ['validate-data', 'succeeded'],
      ['train', 'succeeded'],
      ['evaluate', 'succeeded'],
      ['register-model', 'succeeded'],
      ['gate:production-approval', 'succeeded'],
      ['deploy:staging', 'succeeded'],
      ['deploy:production', 'succeeded'],
    ]);
    const history = await repos.registry.history('iris');
    expect(history.filter((d) => d.endedAt === null).map((d) => [d.stage, d.role, d.trafficPercent])).toEqual(
      expect.arrayContaining([
        ['production', 'primary', 100],
        ['staging', 'primary', 100],
      ]),
    );
  });
});
