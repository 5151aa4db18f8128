import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A trial's environment is part of what it is: recorded on the trial and the model card, part of the
 * cache key (a changed lock file trains afresh), and compared by reproduce.
 */
describe('captured environments', () => {
  let stack: TestStack;
  // Lock files are read from the repository, where commands run; this one lives in the ignored data folder.
  const dir = path.join('.data', `test-environment-${randomBytes(4).toString('hex')}`);
  const lockfile = path.join(dir, 'requirements.txt');
  const writeLock = (text: string) => writeFileSync(path.join(PROJECT_ROOT, lockfile), text);
  beforeAll(async () => {
    mkdirSync(path.join(PROJECT_ROOT, dir), { recursive: true });
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(path.join(PROJECT_ROOT, dir), { recursive: true, force: true });
  });

  const spec = (name: string): PipelineSpecInput => ({
    name,
    model: 'pinned',
    dataset: { name: 'iris', file: 'examples/iris/iris.csv' },
    task: 'classification',
    target: 'species',
    training: { trainer: 'command', command: ['node', 'test/fixtures/slow-trainer.mjs'], params: { sleepMs: 0 }, environment: { lockfile } },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    deployment: { production: {} },
  });
  const TRIAL = 'trials { id cacheKey reusedFromTrialId environment }';
  const run = async (s: PipelineSpecInput) => {
    const { submitPipeline } = await stack.api.data('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: s } });
    return await finished(submitPipeline.id);
  };
  const finished = (id: string) =>
    eventually(
      async () => (await stack.api.data(`query($id: ID!) { pipelineRun(input: { runId: $id }) { id status modelVersion { id } ${TRIAL} } }`, { id })).pipelineRun,
      (r) => !['running', 'awaiting_approval'].includes(r.status),
      90_000,
    );

  it('records it, keys the cache on it, reports what changed on reproduce, and shows it on the model card', { timeout: 240_000 }, async () => {
    writeLock('scikit-learn==1.2.1\n');
    const first = await run(spec('pinned-a'));
    expect(first.status).toBe('succeeded');
    const environment = first.trials[0].environment;
    expect(environment).toMatchObject({
      node: process.version,
      arch: process.arch,
      interpreter: { command: 'node', version: spawnSync('node', ['--version'], { encoding: 'utf8' }).stdout.trim() },
      lockfile: { path: lockfile, sha256: sha256('scikit-learn==1.2.1\n') },
    });

    // An upgrade named in the lock file: the same spec and data train afresh under a new cache key.
    writeLock('scikit-learn==1.3.0\n');
    const upgraded = await run(spec('pinned-a'));
    expect(upgraded.trials[0].reusedFromTrialId).toBeNull();
    expect(upgraded.trials[0].cacheKey).not.toBe(first.trials[0].cacheKey);

    const { reproduce } = await stack.api.data('mutation($id: ID!) { reproduce(input: { runId: $id }) { id } }', { id: first.id });
    await finished(reproduce.id);
    const { pipelineRun } = await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { reproduction { environmentDifferences { key original reproduction } } } }', { id: reproduce.id });
    expect(pipelineRun.reproduction.environmentDifferences).toEqual([
      { key: `lockfile ${lockfile}`, original: sha256('scikit-learn==1.2.1\n'), reproduction: sha256('scikit-learn==1.3.0\n') },
    ]);

    // Back to the first environment: the first trial's artifact is reused again.
    writeLock('scikit-learn==1.2.1\n');
    const again = await run(spec('pinned-a'));
    expect(again.trials[0].reusedFromTrialId).toBe(first.trials[0].id);

    const { modelVersion } = await stack.api.data('query($id: ID!) { modelVersion(input: { id: $id }) { modelCard } }', { id: first.modelVersion.id });
    expect(modelVersion.modelCard).toContain('## Environment');
    expect(modelVersion.modelCard).toContain(`- **lockfile ${lockfile}:** ${sha256('scikit-learn==1.2.1\n')}`);
    expect(modelVersion.modelCard).toContain(`- **node:** ${process.version}`);
  });

  it('refuses a lock file that does not exist, naming it, without retrying', { timeout: 60_000 }, async () => {
    const s = spec('pinned-missing');
    (s.training as { environment: { lockfile: string } }).environment.lockfile = path.join(dir, 'nowhere.txt');
    const failed = await run(s);
    expect(failed.status).toBe('failed');
    const { pipelineRun } = await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { error { type message } trials { attempts } } }', { id: failed.id });
    expect(pipelineRun.error.type).toBe('BadInput');
    expect(pipelineRun.error.message).toContain(`the environment could not be read`);
    expect(pipelineRun.error.message).toContain('nowhere.txt');
  });
});
