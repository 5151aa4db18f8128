import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { createImportDir } from '../support/imports.js';
import { recordHistory } from '../support/histories.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const RUN = `id status currentStep error { type message details }
  steps { name status output error { type message details } }
  trials { index status reusedFromTrialId error }
  gateDecisions { gate actor decision accepted via }
  modelVersion { id version }
  deployments { stage role trafficPercent endReason version }`;

/** The iris example renamed, so each test has its own pipeline and model, with changes on top. */
function irisSpec(name: string, change: (spec: PipelineSpecInput) => void = () => {}): PipelineSpecInput {
  const spec = exampleSpec('iris') as PipelineSpecInput;
  spec.name = name;
  spec.model = name;
  change(spec);
  return spec;
}

describe('pipeline lifecycle', () => {
  let stack: TestStack;
  const imports = createImportDir();

  beforeAll(async () => {
    stack = await startStack({ env: { CUSTODY_IMPORT_DIR: imports.dir } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const submit = async (spec: PipelineSpecInput): Promise<string> => {
    const response = await stack.api.gql<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', {
      input: { spec },
    });
    expect(response.errors).toBeUndefined();
    return response.data!.submitPipeline.id;
  };
  const read = async (id: string): Promise<Record<string, any>> => {
    const response = await stack.api.gql<{ pipelineRun: Record<string, any> }>(`query($id: ID!) { pipelineRun(input: { runId: $id }) { ${RUN} } }`, { id });
    expect(response.errors).toBeUndefined();
    return response.data!.pipelineRun;
  };
  const until = (id: string, status: string, timeoutMs = 60_000) => eventually(() => read(id), (r) => r.status === status, timeoutMs);
  const record = async (id: string, name: string) => {
    const run = await read(id);
    const { workflowId } = (await stack.api.gql<{ pipelineRun: { workflowId: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { workflowId } }', { id })).data!.pipelineRun;
    recordHistory(workflowId, name);
    return run;
  };
  const INPUT_TYPES: Record<string, string> = { cancelRun: 'CancelRunInput', resumeRun: 'RunIdInput', registerDataset: 'RegisterDatasetInput' };
  const mutate = (name: string, input: Record<string, unknown>, fields = 'id status') =>
    stack.api.gql<Record<string, any>>(`mutation($input: ${INPUT_TYPES[name]}!) { ${name}(input: $input) { ${fields} } }`, { input });
  const approve = async (id: string) => {
    await until(id, 'awaiting_approval');
    const response = await stack.api.gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id }, { as: 'approver@example.com' });
    expect(response.errors).toBeUndefined();
  };

  it('rejects the run when its gate times out, and records the timeout', async () => {
    const id = await submit(irisSpec('gate-timeout', (s) => (s.gates![0]!.timeout = '2s')));
    const run = await until(id, 'rejected');
    expect(run.error).toMatchObject({ type: 'GateTimedOut', message: 'gate production-approval timed out after 2s without a decision' });
    expect(run.gateDecisions).toEqual([{ gate: 'production-approval', actor: 'system:timeout', decision: 'timeout', accepted: true, via: 'timer' }]);
    expect(run.deployments).toEqual([]);
    await record(id, 'rejected-on-gate-timeout');
  });

  it('fails data validation with a report of every failed rule, before any training', async () => {
    const id = await submit(
      irisSpec('bad-data', (s) => {
        s.validation = {
          minRows: 1000,
          columns: { sepal_length: { kind: 'numeric', max: 5 }, species: { allowed: ['setosa'] }, petal_colour: { required: true } },
        };
      }),
    );
    const run = await until(id, 'failed');
    expect(run.error.type).toBe('DataValidationFailed');
    const failures = run.error.details.failures as { rule: string; column?: string; message: string }[];
    expect(failures.map((f) => [f.rule, f.column])).toEqual([
      ['min-rows', undefined],
      ['schema', 'petal_colour'],
      ['range', 'sepal_length'],
      ['categories', 'species'],
    ]);
    expect(failures[0]!.message).toBe('the dataset has 150 rows; at least 1000 are required');
    expect(failures[3]!.message).toContain('100 values outside the allowed set');
    expect(run.steps.map((s: any) => [s.name, s.status])).toEqual([
      ['register-dataset', 'succeeded'],
      ['validate-data', 'failed'],
    ]);
    expect(run.trials).toEqual([]);
    await record(id, 'failed-data-validation');
  });

  it('rejects a model that misses its thresholds, with every reason, and registers nothing', async () => {
    const id = await submit(irisSpec('below-threshold', (s) => (s.evaluation!.thresholds = { accuracy: { min: 1.01 }, logLoss: { max: 0 } })));
    const run = await until(id, 'rejected');
    expect(run.error.type).toBe('ModelValidationFailed');
    expect(run.error.details.reasons).toHaveLength(2);
    expect(run.error.details.reasons[0]).toMatch(/^accuracy [\d.]+ is below the minimum 1.01 on the test data$/);
    expect(run.error.details.reasons[1]).toMatch(/^logLoss [\d.e-]+ is above the maximum 0 on the test data$/);
    expect(run.modelVersion).toBeNull();
    expect(run.steps.at(-1)).toMatchObject({ name: 'evaluate', status: 'failed' });
  });

  it('cancels during training: the trial sees it through its heartbeat and its process is stopped', async () => {
    const marker = `custody-cancel-${Date.now()}`;
    const id = await submit(
      irisSpec('cancel-me', (s) => {
        s.training = { trainer: 'command', command: ['node', '-e', `setTimeout(() => {}, 120000) // ${marker}`], heartbeatTimeout: '5s' };
        s.evaluation!.thresholds = {};
      }),
    );
    const pids = async () => {
      try {
        return execFileSync('pgrep', ['-f', marker]).toString().trim();
      } catch {
        return '';
      }
    };
    await eventually(() => read(id), (r) => r.trials.some((t: any) => t.status === 'running'), 60_000);
    await eventually(pids, (found) => found !== '', 30_000);
    const cancelled = await mutate('cancelRun', { runId: id, reason: 'wrong data' });
    expect(cancelled.errors).toBeUndefined();
    const run = await until(id, 'cancelled');
    expect(run.trials.map((t: any) => t.status)).toEqual(['cancelled']);
    expect(run.steps.at(-1)).toMatchObject({ name: 'train', status: 'cancelled' });
    await eventually(pids, (found) => found === '', 15_000);
    await record(id, 'cancelled-during-training');
  });

  it('resumes a failed run from the failed step, reusing what succeeded', { timeout: 120_000 }, async () => {
    const id = await submit(irisSpec('resume-me', (s) => (s.deployment = { staging: { checks: { dataset: { name: 'iris-holdout' } } }, production: {} })));
    await approve(id);
    const failed = await until(id, 'failed');
    expect(failed.error).toMatchObject({ type: 'DatasetNotFound' });
    expect(failed.steps.at(-1)).toMatchObject({ name: 'deploy:staging', status: 'failed' });
    expect(failed.deployments.map((d: any) => [d.stage, d.endReason])).toEqual([['staging', 'rolled_back']]);

    const registered = await mutate('registerDataset', { name: 'iris-holdout', file: 'examples/iris/iris.csv' }, 'datasetName version rowCount');
    expect(registered.data!.registerDataset).toEqual({ datasetName: 'iris-holdout', version: 1, rowCount: 150 });
    const refused = await mutate('resumeRun', { runId: (await submit(irisSpec('not-failed', (s) => (s.gates![0]!.timeout = '1h')))) });
    expect(refused.errors![0]!.extensions!.code).toBe('CONFLICT');

    const resumed = await mutate('resumeRun', { runId: id });
    expect(resumed.errors).toBeUndefined();
    const done = await until(id, 'succeeded');
    expect(done.steps.map((s: any) => [s.name, s.status])).toEqual([
      ['register-dataset', 'reused'],
      ['validate-data', 'reused'],
      ['train', 'reused'],
      ['evaluate', 'reused'],
      ['register-model', 'reused'],
      ['gate:production-approval', 'reused'],
      ['deploy:staging', 'succeeded'],
      ['deploy:production', 'succeeded'],
    ]);
    expect(done.trials).toHaveLength(4);
    expect(done.modelVersion).toEqual(failed.modelVersion);
    expect(done.deployments.filter((d: any) => d.endReason === null).map((d: any) => [d.stage, d.role])).toEqual([
      ['staging', 'primary'],
      ['production', 'primary'],
    ]);
    await record(id, 'resumed-after-failure');
  });

  it('rolls a failing canary back to the previous production version, and reuses identical trials', { timeout: 120_000 }, async () => {
    const first = await submit(irisSpec('flowers'));
    await approve(first);
    await until(first, 'succeeded');

    // The same spec and data, but the production check scores a sample whose labels are rotated.
    const rotate: Record<string, string> = { setosa: 'versicolor', versicolor: 'virginica', virginica: 'setosa' };
    const flipped = imports
      .read('examples/iris/iris.csv')
      .trim()
      .split(/\r?\n/)
      .map((line, i) => (i === 0 ? line : line.replace(/[a-z]+$/, (label) => rotate[label]!)))
      .join('\n');
    const rotated = await mutate('registerDataset', { name: 'iris-rotated', content: flipped, format: 'csv' }, 'version sha256');
    expect(rotated.errors).toBeUndefined();
    const second = await submit(irisSpec('flowers', (s) => (s.deployment!.production!.checks = { dataset: { name: 'iris-rotated' }, thresholds: { accuracy: { min: 0.9 } } })));
    await approve(second);
    const run = await until(second, 'rolled_back');
    expect(run.error.type).toBe('DeploymentCheckFailed');
    expect(run.error.details.reasons[0]).toMatch(/^canary 10% check: accuracy [\d.]+ is below the minimum 0.9 on the iris-rotated@v1 data$/);
    expect(run.trials.every((t: any) => t.reusedFromTrialId !== null)).toBe(true);
    expect(run.modelVersion.version).toBe(2);
    // The whole release is undone: both stages this run touched go back to the version they had,
    // and the restored staging primary is attributed to this run's rollback.
    expect(run.deployments.map((d: any) => [d.stage, d.role, d.version, d.trafficPercent, d.endReason])).toEqual([
      ['staging', 'primary', 2, 100, 'rolled_back'],
      ['production', 'canary', 2, 10, 'rolled_back'],
      ['staging', 'primary', 1, 100, null],
    ]);
    const model = await stack.api.gql<{ model: any }>('{ model(input: { name: "flowers" }) { productionVersion { version } currentDeployments { stage role version trafficPercent } } }');
    expect(model.data!.model.productionVersion).toEqual({ version: 1 });
    expect(model.data!.model.currentDeployments).toEqual(
      expect.arrayContaining([
        { stage: 'production', role: 'primary', version: 1, trafficPercent: 100 },
        { stage: 'staging', role: 'primary', version: 1, trafficPercent: 100 },
      ]),
    );
    expect(model.data!.model.currentDeployments.filter((d: any) => d.role === 'canary')).toEqual([]);
    await record(second, 'rolled-back-canary');
  });
});
