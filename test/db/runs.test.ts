import { afterEach, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe.each(['default', 'pglite'] as const)('the run projection on the %s driver', (kind) => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.close();
  });
  const RUN = '00000000-0000-4000-8000-0000000000aa';

  const setUp = async () => {
    database = await createTestDatabase(kind);
    const repos = createRepositories(database.db);
    await repos.runs.create({ id: RUN, workflowId: `wf-${RUN}`, pipelineName: 'iris', modelName: 'iris', spec: {} as PipelineSpec, submittedBy: 'ana@example.com', status: 'running' });
    const state = async () => {
      const run = (await repos.runs.get(RUN))!;
      const steps = await repos.runs.stepsOf([RUN]);
      return { status: run.status, currentStep: run.currentStep, steps: Object.fromEntries(steps.map((s) => [s.name, s.status])) };
    };
    return { repos, state };
  };

  it('ignores a write that arrives after a later one of the same workflow: an abandoned attempt delivered late', async () => {
    const { repos, state } = await setUp();
    const at = new Date();
    // The workflow's own order: the step starts (1), succeeds (2), the gate step starts (3), the run waits at the gate (4).
    await repos.runs.upsertStep({ runId: RUN, name: 'register-model', position: 1, status: 'running', at, fence: { epoch: 100, seq: 1 } });
    await repos.runs.upsertStep({ runId: RUN, name: 'register-model', position: 1, status: 'succeeded', output: { v: 1 }, at, fence: { epoch: 100, seq: 2 } });
    await repos.runs.upsertStep({ runId: RUN, name: 'gate:review', position: 2, status: 'running', at, fence: { epoch: 100, seq: 3 } });
    expect(await repos.runs.update(RUN, { status: 'awaiting_approval', currentStep: 'gate:review' }, { epoch: 100, seq: 4 })).toBe(true);
    const settled = await state();
    expect(settled).toEqual({ status: 'awaiting_approval', currentStep: 'gate:review', steps: { 'register-model': 'succeeded', 'gate:review': 'running' } });

    // Late attempts of writes 1 and 3, delivered now, with a later clock than anything stored: nothing changes.
    const late = new Date(Date.now() + 60_000);
    expect(await repos.runs.update(RUN, { status: 'running', currentStep: 'register-model' }, { epoch: 100, seq: 1 })).toBe(false);
    await repos.runs.upsertStep({ runId: RUN, name: 'register-model', position: 1, status: 'running', at: late, fence: { epoch: 100, seq: 1 } });
    await repos.runs.upsertStep({ runId: RUN, name: 'gate:review', position: 2, status: 'running', at: late, fence: { epoch: 100, seq: 3 } });
    expect(await state()).toEqual(settled);
    const [registered] = (await repos.runs.stepsOf([RUN])).filter((step) => step.name === 'register-model');
    expect(registered).toMatchObject({ status: 'succeeded', output: { v: 1 }, attempts: 1, startedAt: at, finishedAt: at });

    // The same write again (a retry that got through) is harmless; the next one applies.
    expect(await repos.runs.update(RUN, { status: 'awaiting_approval', currentStep: 'gate:review' }, { epoch: 100, seq: 4 })).toBe(true);
    expect(await repos.runs.update(RUN, { status: 'running' }, { epoch: 100, seq: 5 })).toBe(true);
    expect((await state()).status).toBe('running');
  });

  it('lets a resumed execution write over anything its earlier execution wrote, and keeps unfenced writes as they were', async () => {
    const { repos, state } = await setUp();
    const at = new Date();
    await repos.runs.update(RUN, { status: 'cancelled' }, { epoch: 100, seq: 40 });
    expect(await repos.runs.update(RUN, { status: 'running' }, { epoch: 200, seq: 1 })).toBe(true);
    expect(await repos.runs.update(RUN, { status: 'failed' }, { epoch: 100, seq: 41 })).toBe(false);
    await repos.runs.upsertStep({ runId: RUN, name: 'train', position: 3, status: 'reused', at, fence: { epoch: 200, seq: 2 } });
    expect(await state()).toMatchObject({ status: 'running', steps: { train: 'reused' } });

    // The API's writes and runs started before fences existed carry none.
    expect(await repos.runs.update(RUN, { status: 'succeeded' })).toBe(true);
    expect((await state()).status).toBe('succeeded');
  });

  it('links a run to the one it came from by its purpose, then its trigger: reproductions old and new read alike', async () => {
    const { repos } = await setUp();
    const child = async (id: string, origin: { purpose: 'release' | 'reproduce'; trigger: string }) =>
      await repos.runs.create({ id, workflowId: `wf-${id}`, pipelineName: 'iris', modelName: 'iris', spec: {} as PipelineSpec, submittedBy: 'ana@example.com', status: 'running', parentRunId: RUN, ...origin });
    // A reproduction recorded before trigger and purpose were told apart says reproduce in both (migration 0012); one since says manual.
    await child('00000000-0000-4000-8000-0000000000b1', { purpose: 'reproduce', trigger: 'reproduce' });
    await child('00000000-0000-4000-8000-0000000000b2', { purpose: 'reproduce', trigger: 'manual' });
    await child('00000000-0000-4000-8000-0000000000b3', { purpose: 'release', trigger: 'retrain' });
    const { edges } = await repos.lineage.graph(RUN, 'run', 'DOWNSTREAM', 1);
    expect(edges.map((e) => [e.toId.slice(-2), e.relation]).sort()).toEqual([
      ['b1', 'reproduce'],
      ['b2', 'reproduce'],
      ['b3', 'retrain'],
    ]);
  });
});
