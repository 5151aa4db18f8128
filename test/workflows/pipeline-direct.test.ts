import type { WorkflowHandle } from '@temporalio/client';
import type proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { seedPrincipals } from '../support/principals.js';
import { approveSignal, gatesQuery } from '../../domain/pipeline/messages.js';
import { readProjectionSummary } from '../../domain/runs.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { recordHistory } from '../support/histories.js';
import { eventually, exampleSpec, startPipelineWorkflow } from '../support/pipelines.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

/** The ids of the patch markers in a run's history. */
function patchIds(events: proto.temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!).toString()).id as string);
}

/** The search attribute keys a run upserted, in order. */
function upsertedKeys(events: proto.temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));
}

/** The step writes the run's local activities name in their summaries (`projectionSummary`), in order. */
function summarizedStepWrites(events: proto.temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && e.userMetadata?.summary?.data)
    .flatMap((e) => readProjectionSummary(JSON.parse(Buffer.from(e.userMetadata!.summary!.data!).toString()) as string)?.writes ?? [{ name: 'unreadable', status: '' }])
    .filter((w) => w.name !== 'run')
    .map((w) => `${w.name} ${w.status}`);
}

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

  /**
   * A new run records one patch marker (its generation) instead of one per change, and sends a step's success with
   * the run's next write: fewer local activities than writes, yet every write in the projection and its audit trail once.
   */
  async function expectOneWriteEach(handle: WorkflowHandle, runId: string) {
    const { events } = await handle.fetchHistory();
    expect(patchIds(events!)).toEqual(['pipeline-generation-3']);
    const localWrites = events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
    const audit = (await createRepositories(database.db).audit.list({ subjectId: runId }, 1000)).map((e) => e.action);
    const stepEvents = audit.filter((a) => a.startsWith('step.'));
    // Eight steps, each running then succeeded, in order, once.
    expect(stepEvents).toEqual(Array.from({ length: 8 }, () => ['step.running', 'step.succeeded']).flat());
    expect(audit.filter((a) => a.startsWith('run.')).at(-1)).toBe('run.succeeded');
    expect(localWrites).toBeLessThan(stepEvents.length);
    // The history names every step write in its local activities' summaries; no search attribute follows the step.
    const steps = ['register-dataset', 'validate-data', 'train', 'evaluate', 'register-model', 'gate:production-approval', 'deploy:staging', 'deploy:production'];
    expect(summarizedStepWrites(events!)).toEqual(steps.flatMap((step) => [`${step} running`, `${step} succeeded`]));
    expect(upsertedKeys(events!)).not.toContain('CustodyStage');
  }

  it('runs iris to the gate, takes a raw signal, and deploys to production', async () => {
    const spec = exampleSpec('iris');
    const { runId, handle } = await startPipelineWorkflow(worker.client, worker.taskQueue, spec);
    const gates = await eventually(() => handle.query(gatesQuery), (g) => g[0]?.status === 'open', 60_000);
    expect(gates[0]!.name).toBe('production-approval');
    // While it waits, the Temporal UI's current details name the step it is at.
    expect((await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails).toBe('**Step:** gate:production-approval');
    await handle.signal(approveSignal, { actor: 'approver@example.com', comment: 'looks good' });
    const result = await handle.result();
    expect(result.status).toBe('succeeded');
    // The Temporal UI's current details say how the run ended, not the step it was last at.
    expect((await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails).toBe('**Status:** succeeded');
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
    await expectOneWriteEach(handle, runId);
    const history = await repos.registry.history('iris');
    expect(history.filter((d) => d.endedAt === null).map((d) => [d.stage, d.role, d.trafficPercent])).toEqual(
      expect.arrayContaining([
        ['production', 'primary', 100],
        ['staging', 'primary', 100],
      ]),
    );
  });
});
