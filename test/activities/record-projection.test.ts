import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunsActivities } from '../../activities/runs/runs.activities.js';
import { createRepositories, type Repositories } from '../../db/repositories/index.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import type { ProjectionWrite } from '../../domain/runs.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * A batch of a run's projection writes: applied in order, each fenced, each recorded in the audit trail once, however
 * often the batch is sent (a retried local activity, or a batch a cancellation failed, sent again with the next).
 */
describe('recordProjection', () => {
  let database: TestDatabase;
  let repos: Repositories;
  const RUN = '00000000-0000-4000-8000-0000000000bb';
  beforeAll(async () => {
    database = await createTestDatabase();
    repos = createRepositories(database.db);
    await repos.runs.create({ id: RUN, workflowId: `wf-${RUN}`, pipelineName: 'iris', modelName: 'iris', spec: {} as PipelineSpec, submittedBy: 'ana@example.com', status: 'running' });
  });
  afterAll(async () => {
    await database?.close();
  });

  const fence = (seq: number) => ({ epoch: 500, seq });
  const send = (writes: ProjectionWrite[], activityId: string) => {
    const { recordProjection } = createRunsActivities({ repos });
    const environment = new MockActivityEnvironment({ activityId, workflowExecution: { workflowId: `wf-${RUN}`, runId: 'execution-1' } });
    return environment.run<Parameters<typeof recordProjection>, Awaited<ReturnType<typeof recordProjection>>, typeof recordProjection>(recordProjection, { runId: RUN, writes });
  };
  const stepEvents = async () => (await repos.audit.list({ subjectId: RUN }, 100)).map((e) => `${e.action}:${(e.payload as { step?: string }).step ?? ''}`);

  it('applies the writes in order and audits each once, though sent again under another activity', async () => {
    const first: ProjectionWrite[] = [
      { step: { runId: RUN, step: 'train', position: 1, status: 'running', fence: fence(1) } },
      { step: { runId: RUN, step: 'train', position: 1, status: 'succeeded', output: { best: 0 }, fence: fence(2) } },
      { run: { runId: RUN, status: 'running', datasetVersionId: undefined, fence: fence(3) } },
    ];
    const marks = await send(first, '1');
    expect(marks.audit).toHaveLength(3);
    // The same writes again, now with the next one, as a batch a cancellation failed is sent.
    await send([...first, { step: { runId: RUN, step: 'evaluate', position: 2, status: 'running', fence: fence(4) } }], '2');
    expect(await stepEvents()).toEqual(['step.running:train', 'step.succeeded:train', 'run.running:', 'step.running:evaluate']);
    const steps = Object.fromEntries((await repos.runs.stepsOf([RUN])).map((s) => [s.name, s.status]));
    expect(steps).toEqual({ train: 'succeeded', evaluate: 'running' });
  });

  it('changes nothing with a batch from further back: an abandoned attempt delivered late', async () => {
    await send([{ step: { runId: RUN, step: 'evaluate', position: 2, status: 'succeeded', output: {}, fence: fence(5) } }], '3');
    await send([{ step: { runId: RUN, step: 'train', position: 1, status: 'running', fence: fence(1) } }], '1');
    const steps = Object.fromEntries((await repos.runs.stepsOf([RUN])).map((s) => [s.name, s.status]));
    expect(steps).toEqual({ train: 'succeeded', evaluate: 'succeeded' });
  });

  it('refuses a batch with an unfenced write, naming why, and writes none of it', async () => {
    const writes: ProjectionWrite[] = [{ step: { runId: RUN, step: 'deploy', position: 3, status: 'running', fence: fence(6) } }, { run: { runId: RUN, status: 'failed' } }];
    await expect(send(writes, '4')).rejects.toThrow(/needs its fence/);
    expect((await repos.runs.get(RUN))!.status).toBe('running');
    expect((await repos.runs.stepsOf([RUN])).map((s) => s.name)).not.toContain('deploy');
  });
});
