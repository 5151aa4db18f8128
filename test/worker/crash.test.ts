import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { seedPrincipals } from '../support/principals.js';
import { PROJECT_ROOT } from '../../paths.js';
import { approveSignal, gatesQuery } from '../../domain/pipeline/messages.js';
import { uniqueTaskQueue } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, exampleSpec, startPipelineWorkflow } from '../support/pipelines.js';
import { recordHistory } from '../support/histories.js';
import { killGroup, startWorkerProcess } from '../support/worker-process.js';
import { Client, Connection } from '@temporalio/client';

// Needs a Postgres server: two processes cannot share an in-memory PGlite.
describe.skipIf(!inject('postgresAdminUrl'))('a worker process killed during training', () => {
  let database: TestDatabase;
  let client: Client;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedPrincipals(createRepositories(database.db));
    client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  });
  afterAll(async () => {
    for (const worker of workers) killGroup(worker, 'SIGKILL');
    await client?.connection.close();
    await database?.close();
  });

  const environment = () => ({
    DATABASE_URL: database.url!,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('crash'),
    CUSTODY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'custody-crash-')),
    CUSTODY_IMPORT_DIR: PROJECT_ROOT,
  });
  const slowSpec = (name: string, heartbeatTimeout = '3s', sleepMs = [4000, 4500]) =>
    exampleSpec('iris', (s) => ({
      ...s,
      name,
      model: name,
      training: {
        trainer: 'command',
        command: ['node', 'test/fixtures/slow-trainer.mjs'],
        heartbeatTimeout,
        search: { strategy: 'grid', parallelism: 2, space: { sleepMs } },
      },
      evaluation: { primaryMetric: 'accuracy', thresholds: {}, champion: { enabled: false } },
      deployment: { production: {} },
    }));

  // Found by the fault suite: a trial whose worker is dead cannot hear the cancel, so it ends by its heartbeat
  // timeout (longer here than the dead worker's sticky workflow task, so the cancel is requested first); the run
  // ended failed with that timeout instead of cancelled.
  it('a run cancelled while its trials are on a dead worker ends cancelled', { timeout: 180_000 }, async () => {
    const env = environment();
    workers.push(await startWorkerProcess(env));
    const { runId, handle } = await startPipelineWorkflow(client, env.TEMPORAL_TASK_QUEUE, slowSpec('cancel-on-dead-worker', '10s', [60_000]));
    const repos = createRepositories(database.db);
    await eventually(() => repos.trials.ofRuns([runId]), (trials) => trials.length === 1 && trials.every((t) => t.status === 'running'), 60_000);

    killGroup(workers.at(-1)!, 'SIGKILL');
    await handle.cancel();
    workers.push(await startWorkerProcess(env));

    await expect(handle.result()).rejects.toThrow(/cancel/i);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const history = await handle.fetchHistory();
    // The dead worker's trial ends by its heartbeat timeout, or, when the server had not yet seen it start, by the cancel itself.
    expect(history.events!.some((e) => e.activityTaskTimedOutEventAttributes || e.activityTaskCanceledEventAttributes)).toBe(true);
    const run = await eventually(() => repos.runs.get(runId), (r) => r?.status !== 'running', 30_000);
    expect(run!.status).toBe('cancelled');
    expect((await repos.runs.stepsOf([runId])).find((s) => s.name === 'train')!.status).toBe('cancelled');
    recordHistory(handle.workflowId, 'cancelled-while-trials-timed-out');
  });

  it('is replaced by another worker and the run completes with no duplicated rows', { timeout: 180_000 }, async () => {
    const env = environment();
    workers.push(await startWorkerProcess(env));
    const spec = slowSpec('crash-me');
    const { runId, handle } = await startPipelineWorkflow(client, env.TEMPORAL_TASK_QUEUE, spec);
    const repos = createRepositories(database.db);
    await eventually(() => repos.trials.ofRuns([runId]), (trials) => trials.length === 2 && trials.every((t) => t.status === 'running'), 60_000);

    killGroup(workers.at(-1)!, 'SIGKILL');
    workers.push(await startWorkerProcess(env));

    await eventually(() => handle.query(gatesQuery), (gates) => gates[0]?.status === 'open', 90_000);
    await handle.signal(approveSignal, { actor: 'approver@example.com' });
    expect((await handle.result()).status).toBe('succeeded');

    const trials = await repos.trials.ofRuns([runId]);
    expect(trials.map((t) => [t.index, t.status])).toEqual([
      [0, 'succeeded'],
      [1, 'succeeded'],
    ]);
    // Evaluation heartbeats, so a worker killed mid-evaluation is noticed in a minute, not at its half-hour timeout
    // (the fault suite found a run waiting on one).
    const scheduled = (await handle.fetchHistory()).events!.flatMap((e) => e.activityTaskScheduledEventAttributes ?? []);
    expect(scheduled.find((a) => a.activityType?.name === 'evaluateCandidate')?.heartbeatTimeout?.seconds?.toString()).toBe('60');
    // A trial's retries outlast a database or Temporal outage of seconds: six attempts, up to 30 s apart (it had
    // three, one to four seconds apart, and the fault suite's outages used them up).
    const trialRetry = scheduled.find((a) => a.activityType?.name === 'trainCandidate')!.retryPolicy!;
    expect([trialRetry.maximumAttempts, trialRetry.maximumInterval?.seconds?.toString()]).toEqual([6, '30']);
    expect(Math.max(...trials.map((t) => t.attempts))).toBeGreaterThanOrEqual(2);
    const steps = await repos.runs.stepsOf([runId]);
    expect(steps.map((s) => s.name)).toEqual(['register-dataset', 'validate-data', 'train', 'evaluate', 'register-model', 'gate:production-approval', 'deploy:production']);
    const model = await repos.registry.findModel('crash-me');
    expect(await repos.registry.versionsOfModels([model!.id])).toHaveLength(1);
    expect((await repos.registry.ofRuns([runId])).map((d) => [d.stage, d.role])).toEqual([['production', 'primary']]);
    expect(await repos.gates.ofRuns([runId])).toHaveLength(1);
    expect((await repos.runs.get(runId))!.status).toBe('succeeded');
    recordHistory(handle.workflowId, 'replaced-worker-evaluation-heartbeats');
  });
});
