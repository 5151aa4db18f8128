import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporalClient } from '../../api/bootstrap.js';
import type { Config } from '../../config.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { testConfig, uniqueTaskQueue } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

/**
 * The workflow records its run, so a submission waits for a worker to do it, but not for ever: with no worker
 * polling, the submission is still acknowledged (the workflow started, durably), never reported as refused, and
 * the run is recorded as soon as a worker comes.
 */
describe('a submission while no worker polls', () => {
  let database: TestDatabase;
  let api: TestApi;
  let worker: TestWorker | undefined;
  let config: Config;
  let temporal: ReturnType<typeof createTemporalClient>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const base = testConfig();
    config = { ...base, temporal: { ...base.temporal, taskQueue: uniqueTaskQueue('no-worker') } };
    temporal = createTemporalClient(config);
    api = await startTestApi({ config, database, temporal });
  });
  afterAll(async () => {
    await api?.close();
    await temporal?.connection.close();
    await worker?.stop();
    await database?.close();
  });

  it('is acknowledged as running, not refused, and recorded once a worker comes', { timeout: 120_000 }, async () => {
    const spec = exampleSpec('iris', (s) => ({ ...s, name: 'no-worker-yet', model: 'no-worker-yet', gates: [], training: { ...s.training!, search: { space: { nEstimators: [10], maxDepth: [3] } } } }));
    const answer = await api.gql<{ submitPipeline: { id: string; status: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id status } }', { input: { spec } });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.submitPipeline.status).toBe('running');
    const id = answer.data!.submitPipeline.id;
    const trail = await api.data('query($id: String) { auditTrail(input: { subjectId: $id }) { nodes { action } } }', { id });
    expect(trail.auditTrail.nodes.map((n: { action: string }) => n.action)).toEqual(['run.submitted']);
    worker = await startTestWorker({ config, database, taskQueue: config.temporal.taskQueue });
    const read = async () => (await api.gql<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id })).data?.pipelineRun;
    expect((await eventually(read, (run) => run?.status === 'succeeded', 90_000))!.status).toBe('succeeded');
  });
});
