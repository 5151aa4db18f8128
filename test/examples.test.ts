import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.js';
import { eventually } from './support/pipelines.js';
import { s3Env } from './support/s3.js';
import { startStack, type TestStack } from './support/stack.js';

const examples = readdirSync(path.join(PROJECT_ROOT, 'examples')).filter((dir) => {
  try {
    return readFileSync(path.join(PROJECT_ROOT, 'examples', dir, 'pipeline.yaml')).length > 0;
  } catch {
    return false;
  }
});

/** The first Python interpreter that has scikit-learn: `python3` on PATH, else the system one. */
const sklearnPython = ['python3', '/usr/bin/python3'].find((python) => spawnSync(python, ['-c', 'import sklearn']).status === 0);

describe.each(['local', 's3'] as const)('every example in examples/, with artifacts on %s', (store) => {
  let stack: TestStack;
  let s3: ReturnType<typeof s3Env> | undefined;
  beforeAll(async () => {
    s3 = store === 's3' ? s3Env() : undefined;
    stack = await startStack({ env: s3?.env ?? {} });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('has at least three examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.for(examples)('%s runs through its gates to production', { timeout: 180_000 }, async (example, context) => {
    const spec = parse(readFileSync(path.join(PROJECT_ROOT, 'examples', example, 'pipeline.yaml'), 'utf8'));
    if (spec.training.command?.[0] === 'python3') {
      // The sklearn example runs with whichever interpreter has scikit-learn (python3-sklearn on Debian).
      if (!sklearnPython) return context.skip(`${example} needs python3 with scikit-learn (Debian: apt-get install python3-sklearn)`);
      spec.training.command[0] = sklearnPython;
    }
    const submitted = await stack.api.gql<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', {
      input: { spec },
    }, { as: 'ci@example.com' });
    expect(submitted.errors).toBeUndefined();
    const id = submitted.data!.submitPipeline.id;
    const read = async () =>
      (await stack.api.gql<{ pipelineRun: any }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status error { type message } gates { name status } modelVersion { version metrics } } }', { id })).data!.pipelineRun;
    for (const gate of spec.gates ?? []) {
      await eventually(read, (run) => run.status === 'awaiting_approval' || run.status === 'failed' || run.status === 'rejected', 150_000);
      const decided = await stack.api.gql('mutation($id: ID!, $gate: String) { approveGate(input: { runId: $id, gate: $gate }) { status } }', { id, gate: gate.name }, { as: 'reviewer@example.com' });
      expect(decided.errors, JSON.stringify(await read())).toBeUndefined();
    }
    const done = await eventually(read, (run) => !['running', 'awaiting_approval'].includes(run.status), 150_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.modelVersion.version).toBe(1);
    if (spec.training.command) {
      // A command trainer's interpreter and every installed package are recorded with each trial.
      const { pipelineRun } = await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { trials { environment } } }', { id });
      const environment = pipelineRun.trials[0].environment;
      expect(environment.interpreter.command).toBe(spec.training.command[0]);
      expect(environment.packages['scikit-learn']).toMatch(/^\d+\.\d+/);

      // Served through the script's serve mode: the same answers as the model gave on its own rows.
      const rows = readFileSync(path.join(PROJECT_ROOT, spec.dataset.file), 'utf8').trim().split('\n').slice(0, 5).map((line) => JSON.parse(line));
      const inputs = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== spec.target)));
      for (let call = 0; call < 3; call++) {
        const { predict } = await stack.api.data('mutation($input: PredictInput!) { predict(input: $input) { value probabilities } }', { input: { model: spec.model ?? spec.name, inputs } }, 'viewer@example.com');
        expect(predict.map((p: any) => p.value)).toEqual(rows.map((row) => String(row[spec.target])));
        for (const p of predict) expect(Object.values(p.probabilities as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      }
    }
  });

  it.runIf(store === 's3')('keeps every dataset and model in the bucket; the local directory holds only a cache', async () => {
    const { datasets } = await stack.api.data<{ datasets: { versions: { sha256: string }[] }[] }>('{ datasets { versions { sha256 } } }');
    const hashes = datasets.flatMap((d) => d.versions.map((v) => v.sha256));
    expect(hashes.length).toBeGreaterThan(0);
    const inBucket = (sha256: string) => existsSync(path.join(s3!.bucketDir, s3!.prefix, 'sha256', sha256.slice(0, 2), sha256));
    for (const sha256 of hashes) expect(inBucket(sha256)).toBe(true);
    const { models } = await stack.api.data<{ models: { versions: { artifactSha256: string }[] }[] }>('{ models { versions { artifactSha256 } } }');
    const artifacts = models.flatMap((m) => m.versions.map((v) => v.artifactSha256));
    expect(artifacts.length).toBe(examples.length);
    for (const sha256 of artifacts) expect(inBucket(sha256)).toBe(true);
    // The local directory is the cache: no content lives there except copies fetched to be read as files.
    expect(existsSync(path.join((stack.config.artifacts as { cacheDir: string }).cacheDir, 'sha256'))).toBe(true);
  });
});
