import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataActivities, type DatasetVersionRef } from '../../activities/data/data.activities.js';
import type { ValidationReport } from '../../activities/data/validate.js';
import { LocalArtifactStore } from '../../storage/local-store.js';
import { createRepositories } from '../../db/repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * `validateData` runs with a one-minute heartbeat timeout, so a file whose range and category rules
 * take longer than that to stream must heartbeat as it goes, or every attempt times out.
 */
describe('validateData on a large file', () => {
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'custody-validate-'));
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('heartbeats while it streams the rows, not only at the start', { timeout: 120_000 }, async () => {
    const rows = 200_000;
    const lines = ['amount,kind,label'];
    for (let i = 0; i < rows; i++) lines.push(`${i % 1000},${i % 7 === 0 ? 'odd' : 'even'},${i % 2}`);
    writeFileSync(path.join(dir, 'large.csv'), `${lines.join('\n')}\n`);
    const repos = createRepositories(database.db);
    const activities = createDataActivities({ repos, store: new LocalArtifactStore(path.join(dir, 'artifacts')), importDir: dir });
    const registered = await new MockActivityEnvironment().run<Parameters<typeof activities.registerDataset>, DatasetVersionRef, typeof activities.registerDataset>(activities.registerDataset, { dataset: { name: 'large', file: 'large.csv' }, actor: 'test' });

    const environment = new MockActivityEnvironment();
    const beats: { rows?: number; stage?: string }[] = [];
    environment.on('heartbeat', (details: { rows?: number; stage?: string }) => beats.push(details));
    const spec = {
      task: 'classification' as const,
      target: 'label',
      validation: { minRows: 1, maxMissingFraction: 0, columns: { amount: { min: 0, max: 500 }, kind: { allowed: ['even'] } } },
    };
    const report = await environment.run<Parameters<typeof activities.validateData>, ValidationReport, typeof activities.validateData>(activities.validateData, { datasetVersionId: registered.id, spec: spec as never });

    expect(report.passed).toBe(false);
    expect(report.failures.map((f) => f.rule)).toEqual(['range', 'categories']);
    const streaming = beats.filter((b) => b.stage === 'validate' && (b.rows ?? 0) > 0).map((b) => b.rows);
    expect(streaming.length).toBeGreaterThanOrEqual(rows / 10_000);
    expect(streaming.at(-1)).toBe(rows);
  });
});
