import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationState } from '../../db/client.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

describe('health and self-check over HTTP', () => {
  let database: TestDatabase;
  let worker: TestWorker;
  let api: TestApi;
  let temporal: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    const base = testConfig();
    worker = await startTestWorker({ config: base, database });
    const config = { ...base, temporal: { ...base.temporal, taskQueue: worker.taskQueue } };
    temporal = new Client({ connection: await Connection.connect({ address: config.temporal.address }) });
    api = await startTestApi({ config, database, temporal });
  });
  afterAll(async () => {
    await api?.close();
    await temporal?.connection.close();
    await worker?.stop();
    await database?.close();
  });

  it('reports Temporal, the worker poller, the database and the applied migration', async () => {
    const response = await api.gql<{ health: Record<string, any> }>(
      '{ health { status temporal { reachable taskQueue workerPollers } database { reachable driver migration pendingMigrations } } }',
    );
    expect(response.status).toBe(200);
    const expectedMigration = (await migrationState(database.db)).latest;
    expect(response.data!.health).toEqual({
      status: 'ok',
      temporal: { reachable: true, taskQueue: worker.taskQueue, workerPollers: expect.any(Number) },
      database: { reachable: true, driver: database.driver, migration: expectedMigration, pendingMigrations: 0 },
    });
    expect(response.data!.health.temporal.workerPollers).toBeGreaterThan(0);
  });

  it('starts a workflow through the API that completes on the worker', async () => {
    const response = await api.gql<{ runSelfCheck: Record<string, any> }>(
      'mutation { runSelfCheck { workflowId driver migration taskQueue } }',
    );
    expect(response.errors).toBeUndefined();
    const result = response.data!.runSelfCheck;
    expect(result.taskQueue).toBe(worker.taskQueue);
    expect(result.driver).toBe(database.driver);
    const description = await worker.client.workflow.getHandle(result.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.type).toBe('selfCheck');
  });

  it('answers a malformed query with a GraphQL error and no stack trace', async () => {
    const response = await api.gql('{ health { nope } }');
    expect(response.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);
    expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.js:\d+/);
  });

  it('reports an unreachable Temporal as degraded instead of failing', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const unreachable = new Client({ connection: Connection.lazy({ address: config.temporal.address }) });
    const degraded = await startTestApi({ config, database, temporal: unreachable });
    try {
      const response = await degraded.gql<{ health: Record<string, any> }>('{ health { status temporal { reachable error } database { reachable } } }');
      expect(response.data!.health.status).toBe('degraded');
      expect(response.data!.health.temporal.reachable).toBe(false);
      expect(response.data!.health.temporal.error).toEqual(expect.any(String));
      expect(response.data!.health.database.reachable).toBe(true);
    } finally {
      await degraded.close();
    }
  });
});
