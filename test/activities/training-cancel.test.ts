import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataActivities, type DatasetVersionRef } from '../../activities/data/data.activities.js';
import { createTrainingActivities } from '../../activities/training/training.activities.js';
import { createRepositories } from '../../db/repositories/index.js';
import { PROJECT_ROOT } from '../../paths.js';
import { LocalArtifactStore } from '../../storage/local-store.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, exampleSpec } from '../support/pipelines.js';

/**
 * Found by the fault suite: a trial cancelled while the database was away failed while it recorded the
 * cancellation, and that error replaced the cancellation, so the run ended failed rather than cancelled.
 */
describe('a trial cancelled while the database refuses writes', () => {
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'custody-cancel-'));
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('still reports the cancellation, not the failed write', { timeout: 60_000 }, async () => {
    const repos = createRepositories(database.db);
    const store = new LocalArtifactStore(path.join(dir, 'artifacts'));
    const data = createDataActivities({ repos, store, importDir: PROJECT_ROOT });
    const dataset = await new MockActivityEnvironment().run<Parameters<typeof data.registerDataset>, DatasetVersionRef, typeof data.registerDataset>(data.registerDataset, {
      dataset: { name: 'iris', file: 'examples/iris/iris.csv' },
      actor: 'test',
    });
    const spec = exampleSpec('iris', (s) => ({ ...s, training: { trainer: 'command', command: ['node', 'test/fixtures/slow-trainer.mjs'], params: { sleepMs: 30_000 } } }));
    const runId = randomUUID();
    await repos.runs.create({ id: runId, workflowId: `cancel-${runId}`, pipelineName: spec.name, modelName: 'iris', spec, submittedBy: 'test', status: 'running' });

    const { trainCandidate } = createTrainingActivities({ repos, store });
    const environment = new MockActivityEnvironment();
    const training = environment.run(trainCandidate, {
      runId,
      trialIndex: 0,
      datasetVersionId: dataset.id,
      spec: { task: spec.task, target: spec.target, features: spec.features, split: spec.split, training: spec.training, fairness: spec.fairness },
      params: { sleepMs: 30_000 },
    } as Parameters<typeof trainCandidate>[0]);
    const outcome = training.then(
      () => 'finished',
      (error: unknown) => error,
    );
    await eventually(() => repos.trials.ofRuns([runId]), (trials) => trials.length === 1);
    // The database refuses the trial's writes from here on.
    await database.db.execute(sql.raw('alter table trials rename to trials_away'));
    try {
      environment.cancel();
      const error = await outcome;
      expect(error).toBeInstanceOf(CancelledFailure);
    } finally {
      await database.db.execute(sql.raw('alter table trials_away rename to trials'));
    }
  });
});
