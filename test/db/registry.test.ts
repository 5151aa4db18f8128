import { afterEach, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe.each(['default', 'pglite'] as const)('model registration on the %s driver', (kind) => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.close();
  });

  /** A dataset version and two runs of one model, as the pipeline leaves them before registering. */
  const setUp = async () => {
    database = await createTestDatabase(kind);
    const repos = createRepositories(database.db);
    const { row: dataset } = await repos.datasets.register('iris', { sha256: 'a'.repeat(64), format: 'csv', sizeBytes: 10, rowCount: 3, columns: [], registeredBy: 'ana@example.com' });
    const run = (id: string) =>
      repos.runs.create({ id, workflowId: `wf-${id}`, pipelineName: 'iris', modelName: 'iris', spec: {} as PipelineSpec, submittedBy: 'ana@example.com', status: 'running' });
    const runs = [await run('00000000-0000-4000-8000-000000000001'), await run('00000000-0000-4000-8000-000000000002')];
    const version = (runId: string) => ({
      artifactSha256: 'b'.repeat(64),
      trainer: 'random-forest',
      params: {},
      metrics: { accuracy: 0.9 },
      datasetVersionId: dataset.id,
      runId,
      codeVersion: 'test',
      features: [],
      target: 'species',
      task: 'classification' as const,
    });
    return { repos, runs, version };
  };

  it('registers a run once with one audit event, however often it asks: a retry, or a resumed run under another execution', async () => {
    const { repos, runs, version } = await setUp();
    const first = await repos.registry.registerVersion('iris', version(runs[0]!.id), { actor: 'system', payload: { workflowId: 'execution-1' } });
    const again = await repos.registry.registerVersion('iris', version(runs[0]!.id), { actor: 'system', payload: { workflowId: 'execution-2' } });
    const next = await repos.registry.registerVersion('iris', version(runs[1]!.id));
    expect(again).toEqual(first);
    expect([first.version, next.version]).toEqual([1, 2]);

    const events = await repos.audit.list({ action: 'model.registered' }, 10);
    expect(events.map((e) => [e.subjectId, e.payload])).toEqual([
      [first.id, { model: 'iris', version: 1, artifactSha256: 'b'.repeat(64), runId: runs[0]!.id, workflowId: 'execution-1' }],
      [next.id, { model: 'iris', version: 2, artifactSha256: 'b'.repeat(64), runId: runs[1]!.id }],
    ]);
    expect((await repos.audit.verify()).ok).toBe(true);
  });
});
