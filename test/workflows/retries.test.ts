import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { seedPrincipals } from '../support/principals.js';
import { approveSignal } from '../../domain/pipeline/messages.js';
import { eventually, exampleSpec, startPipelineWorkflow } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

describe('transient failures', () => {
  let stack: TestStack;
  const artifacts = mkdtempSync(path.join(os.tmpdir(), 'custody-artifacts-'));
  beforeAll(async () => {
    stack = await startStack({ env: { CUSTODY_ARTIFACT_DIR: artifacts } });
    await seedPrincipals(createRepositories(stack.database.db));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('retries an activity whose storage fails, and succeeds once the storage is back', async () => {
    // A plain file where the store's temporary directory must go: every write fails until it is removed.
    mkdirSync(artifacts, { recursive: true });
    const blocker = path.join(artifacts, 'tmp');
    writeFileSync(blocker, 'not a directory');

    const spec = exampleSpec('iris', (s) => ({ ...s, name: 'flaky-storage', model: 'flaky-storage' }));
    const { runId, handle } = await startPipelineWorkflow(stack.worker.client, stack.worker.taskQueue, spec);
    const pending = await eventually(
      async () => (await handle.describe()).raw.pendingActivities ?? [],
      (activities) => activities.some((a) => (a.attempt ?? 0) >= 2),
      30_000,
    );
    expect(pending[0]!.activityType?.name).toBe('registerDataset');
    expect(pending[0]!.lastFailure?.message).toMatch(/EEXIST|ENOTDIR/);
    rmSync(blocker);

    await eventually(() => handle.query('gates') as Promise<{ status: string }[]>, (gates) => gates[0]?.status === 'open', 60_000);
    await handle.signal(approveSignal, { actor: 'approver@example.com' });
    expect((await handle.result()).status).toBe('succeeded');

    const history = await handle.fetchHistory();
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt! > 1);
    expect(started.length).toBeGreaterThanOrEqual(1);
    const repos = createRepositories(stack.database.db);
    expect((await repos.runs.get(runId))!.status).toBe('succeeded');
    expect((await repos.runs.stepsOf([runId])).find((s) => s.name === 'register-dataset')!.status).toBe('succeeded');
  });
});
