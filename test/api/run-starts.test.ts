import { WorkflowIdReusePolicy } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { pipeline } from '../../workflows/pipeline/pipeline.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { recordHistory } from '../support/histories.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const RUN = `status currentStep purpose trigger workflowId spec
  steps { name status }
  gates { name status }
  modelVersion { id }
  deployments { stage role }`;

/** A gate-free release on iris whose trainer sleeps `sleepMs`, long enough to cancel it mid-training. */
function slowRelease(name: string, sleepMs: number): PipelineSpecInput {
  return {
    name,
    model: name,
    dataset: { name: 'iris', file: 'examples/iris/iris.csv' },
    task: 'classification',
    target: 'species',
    training: { trainer: 'command', command: ['node', 'test/fixtures/slow-trainer.mjs'], params: { sleepMs }, heartbeatTimeout: '5s' },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    deployment: { production: {} },
  };
}

/**
 * Every way a run can start again must keep the rules its first start had: a reproduction never
 * deploys, and a release waits at its gates for someone other than its submitter.
 */
describe('runs started again keep their purpose and their gates', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const gql = <T = any>(query: string, variables: Record<string, unknown> = {}, as?: string) => stack.api.data<T>(query, variables, as);
  const read = async (id: string): Promise<any> => (await gql('query($id: ID!) { pipelineRun(input: { runId: $id }) { ' + RUN + ' } }', { id })).pipelineRun;
  const until = (id: string, statuses: string[], timeoutMs = 90_000) => eventually(() => read(id), (r) => statuses.includes(r.status), timeoutMs);
  const submit = async (spec: PipelineSpecInput, as?: string): Promise<string> =>
    (await gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } }, as)).submitPipeline.id;
  const reproduce = async (id: string): Promise<string> => (await gql('mutation($id: ID!) { reproduce(input: { runId: $id }) { id } }', { id })).reproduce.id;
  const cancelWhileTraining = async (id: string) => {
    // The run and its steps are two reads, not one snapshot: wait until both say training.
    const training = await eventually(() => read(id), (r) => r.currentStep === 'train' && r.steps.some((s: any) => s.name === 'train' && s.status === 'running'), 60_000);
    expect(training.status).toBe('running');
    await gql('mutation($id: ID!) { cancelRun(input: { runId: $id }) { id } }', { id });
    return await until(id, ['cancelled']);
  };
  const neverDeployed = (run: any) => {
    expect(run.status).toBe('succeeded');
    expect(run.purpose).toBe('reproduce');
    expect(run.modelVersion).toBeNull();
    expect(run.deployments).toEqual([]);
    expect(run.steps.map((s: any) => s.name)).toEqual(['register-dataset', 'validate-data', 'train']);
  };

  it('a reproduction that is cancelled and resumed still stops after training and never deploys', { timeout: 180_000 }, async () => {
    const original = await submit(slowRelease('reproduce-resume', 2500));
    expect((await until(original, ['succeeded'])).deployments).toEqual([{ stage: 'production', role: 'primary' }]);
    const copy = await reproduce(original);
    expect((await read(copy)).purpose).toBe('reproduce');
    await cancelWhileTraining(copy);

    await gql('mutation($id: ID!) { resumeRun(input: { runId: $id }) { id } }', { id: copy });
    const resumed = await until(copy, ['succeeded', 'failed', 'rejected', 'rolled_back']);
    neverDeployed(resumed);
    recordHistory(resumed.workflowId, 'reproduction-resumed');
    const { model } = await gql('query { model(input: { name: "reproduce-resume" }) { versions { version } productionVersion { version } } }');
    expect(model).toEqual({ versions: [{ version: 1 }], productionVersion: { version: 1 } });
  });

  it('a reproduction restarted straight from Temporal without its purpose still never deploys: the stored purpose wins', { timeout: 180_000 }, async () => {
    const original = await submit(slowRelease('reproduce-raw-start', 2500));
    await until(original, ['succeeded']);
    const copy = await reproduce(original);
    const cancelled = await cancelWhileTraining(copy);

    // What resume did before the purpose was stored: the same workflow id, without `purpose`.
    await stack.worker.client.workflow.getHandle(cancelled.workflowId).result().catch(() => undefined);
    await stack.worker.client.workflow.start<typeof pipeline>('pipeline', {
      taskQueue: stack.worker.taskQueue,
      workflowId: cancelled.workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [{ runId: copy, spec: cancelled.spec, submittedBy: 'engineer@example.com', resume: true }],
    });
    neverDeployed(await until(copy, ['succeeded', 'failed', 'rejected', 'rolled_back']));
    recordHistory(cancelled.workflowId, 'reproduction-restarted-without-purpose');
  });

  it('a gated release cancelled at its gate and resumed waits at the gate again, and its submitter still cannot approve it', { timeout: 120_000 }, async () => {
    const spec = { ...slowRelease('resume-at-gate', 0), gates: [{ name: 'production-approval' }] };
    // An admin may approve gates, but never those of a run it submitted.
    const id = await submit(spec, 'admin@example.com');
    await until(id, ['awaiting_approval']);
    await gql('mutation($id: ID!) { cancelRun(input: { runId: $id }) { id } }', { id });
    await until(id, ['cancelled']);

    await gql('mutation($id: ID!) { resumeRun(input: { runId: $id }) { id } }', { id });
    const waiting = await until(id, ['awaiting_approval', 'succeeded']);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.purpose).toBe('release');
    expect(waiting.deployments).toEqual([]);
    const self = await stack.api.gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id }, { as: 'admin@example.com' });
    expect(self.errors![0]!.message).toBe('The decision was refused: admin@example.com submitted this run and cannot approve its gates');
    await gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id }, 'approver@example.com');
    const done = await until(id, ['succeeded', 'failed', 'rejected', 'rolled_back']);
    expect(done.status).toBe('succeeded');
    expect(done.deployments).toEqual([{ stage: 'production', role: 'primary' }]);
  });

  it('a shadow release cancelled at its gate takes its shadow down, and resumed waits at the gate again for someone but its submitter', { timeout: 180_000 }, async () => {
    const first = await submit({ ...slowRelease('shadow-resume', 0), training: { trainer: 'logistic-regression' } });
    await until(first, ['succeeded']);
    const spec: PipelineSpecInput = { ...slowRelease('shadow-resume', 0), training: { trainer: 'logistic-regression' }, gates: [{ name: 'promote' }], deployment: { production: { shadow: { duration: '1s', gate: 'promote' } } } };
    const id = await submit(spec, 'admin@example.com');
    const waiting = await until(id, ['awaiting_approval', 'failed', 'succeeded']);
    expect([waiting.status, waiting.currentStep]).toEqual(['awaiting_approval', 'gate:promote']);
    expect(waiting.deployments).toEqual([{ stage: 'production', role: 'shadow' }]);
    await gql('mutation($id: ID!) { cancelRun(input: { runId: $id }) { id } }', { id });
    await until(id, ['cancelled']);
    const [shadow] = rowsOf<{ end_reason: string }>(await stack.database.db.execute(sql`select end_reason from deployments where run_id = ${id} and role = 'shadow'`));
    expect(shadow!.end_reason).toBe('rolled_back');

    await gql('mutation($id: ID!) { resumeRun(input: { runId: $id }) { id } }', { id });
    // The shadow's evidence is kept (its step reused); the gate after it is asked again.
    const again = await eventually(() => read(id), (r) => r.status === 'awaiting_approval' && r.steps.some((s: any) => s.name === 'release:shadow' && s.status === 'reused'), 90_000);
    expect(again.currentStep).toBe('gate:promote');
    const self = await stack.api.gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id }, { as: 'admin@example.com' });
    expect(self.errors![0]!.message).toBe('The decision was refused: admin@example.com submitted this run and cannot approve its gates');
    await gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id }, 'approver@example.com');
    const done = await until(id, ['succeeded', 'failed', 'rejected', 'rolled_back']);
    expect(done.status).toBe('succeeded');
    expect(done.deployments.filter((d: any) => d.role === 'primary')).toEqual([{ stage: 'production', role: 'primary' }]);
  });

  it('is recorded by its workflow alone, yet found by a read right after the submission and the resume', { timeout: 120_000 }, async () => {
    // Its own sleep, so no earlier trial of this file is reused and the training can be caught running.
    const id = await submit(slowRelease('read-after-submit', 2501));
    // No poll: the answer came once the workflow had recorded the run.
    expect((await read(id)).status).toBe('running');
    await cancelWhileTraining(id);
    await gql('mutation($id: ID!) { resumeRun(input: { runId: $id }) { id } }', { id });
    expect((await read(id)).status).toBe('running');
    expect((await until(id, ['succeeded', 'failed'])).status).toBe('succeeded');
  });

  it('a resumed run whose stored spec no longer validates ends failed, saying why, never left running', { timeout: 120_000 }, async () => {
    const id = await submit(slowRelease('resume-invalid', 2502));
    await cancelWhileTraining(id);
    // A spec stored under older rules that today's no longer accept (written straight to the row: no API writes one).
    await stack.database.db.execute(sql`update pipeline_runs set spec = jsonb_set(spec, '{task}', '"forecasting"') where id = ${id}`);
    await gql('mutation($id: ID!) { resumeRun(input: { runId: $id }) { id } }', { id });
    const ended = await until(id, ['failed', 'succeeded', 'running'], 30_000);
    expect(ended.status).toBe('failed');
    recordHistory(ended.workflowId, 'resumed-with-invalid-spec');
    const { pipelineRun } = await gql('query($id: ID!) { pipelineRun(input: { runId: $id }) { error { type message } finishedAt } }', { id });
    expect(pipelineRun.error).toMatchObject({ type: 'InvalidSpec', message: expect.stringMatching(/^invalid pipeline spec: task /) });
    expect(pipelineRun.finishedAt).not.toBeNull();
  });
});
