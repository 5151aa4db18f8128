import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';
import { createRepositories } from '../../db/repositories/index.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import type { pipeline } from '../../workflows/pipeline/pipeline.js';
import { pipelineStart } from '../../domain/pipeline/start.js';
import { recordHistory } from '../support/histories.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const DATA = 'examples/breast-cancer-sklearn/breast-cancer.jsonl';
const RUN = 'workflowId status error { type message } trials { privacy { epsilon } } deployments { stage }';
const BUDGET = 'privacyBudget { epsilon allowNonPrivate spent remaining draws { runId epsilon delta drawnBy } }';

/** A private release on the `patients` dataset (ε per run), or a non-private one. */
function spec(name: string, privacy: Record<string, number> | null): PipelineSpecInput {
  return {
    name,
    model: 'diagnosis',
    dataset: { name: 'patients', version: 'latest' },
    task: 'classification',
    target: 'diagnosis',
    training: { trainer: 'logistic-regression', seed: 1, ...(privacy ? { privacy: { clipNorm: 1, batchSize: 64, epochs: 4, ...privacy } } : {}) },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    deployment: { production: {} },
  };
}

/**
 * A dataset's privacy budget: every way a run starts (submit, reproduce, retrain, a workflow started
 * straight from Temporal) draws from the same ledger, and a run the budget cannot pay for never trains.
 */
describe('a privacy budget per dataset', () => {
  let stack: TestStack;
  const gql = (query: string, variables: Record<string, unknown> = {}) => stack.api.gql<any>(query, variables);
  const budget = async () => (await stack.api.data(`query { datasets { name ${BUDGET} } }`)).datasets.find((d: any) => d.name === 'patients').privacyBudget;
  const read = async (id: string) => (await stack.api.data(`query($id: ID!) { pipelineRun(input: { runId: $id }) { ${RUN} } }`, { id })).pipelineRun;
  const finished = (id: string) => eventually(() => read(id), (r) => !['running', 'awaiting_approval'].includes(r.status), 120_000);
  const submit = (s: PipelineSpecInput) => gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: s } });
  const register = (input: Record<string, unknown>) => gql('mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { version } }', { input: { name: 'patients', ...input } });

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is set once, and refuses what it cannot pay for at submission, with the figures', { timeout: 300_000 }, async () => {
    expect((await register({ file: DATA, privacyBudget: { epsilon: 5 } })).errors).toBeUndefined();
    const changed = await register({ file: DATA, privacyBudget: { epsilon: 50, allowNonPrivate: true } });
    expect(changed.errors![0]!.message).toBe('dataset patients already has a privacy budget (ε = 5, non-private runs refused); a budget, once set, is not changed');
    expect(changed.errors![0]!.extensions!.issues).toEqual([{ path: 'input.privacyBudget', message: 'differs from the budget already set' }]);
    expect((await register({ file: DATA, privacyBudget: { epsilon: 0 } })).errors![0]!.message).toBe('input.privacyBudget.epsilon must be a number above 0 and at most 1000');
    expect((await register({ file: DATA, privacyBudget: { epsilon: 5 } })).errors).toBeUndefined();

    const nonPrivate = await submit(spec('plain', null));
    expect(nonPrivate.errors![0]!.message).toBe('The run was refused: dataset patients has a privacy budget (ε = 5) and does not allow non-private training: add training.privacy');
    expect(nonPrivate.errors![0]!.extensions!.code).toBe('CONFLICT');
    const noTarget = await submit(spec('by-noise', { noiseMultiplier: 1.2 }));
    expect(noTarget.errors![0]!.message).toMatch(/training\.privacy\.epsilon must state what this run may spend/);

    const first = (await submit(spec('first', { epsilon: 2 }))).data!.submitPipeline.id;
    const firstRun = await finished(first);
    expect(firstRun).toMatchObject({ status: 'succeeded', error: null, deployments: [{ stage: 'production' }] });
    recordHistory(firstRun.workflowId, 'private-run-drawing-from-a-budget');
    const second = (await submit(spec('second', { epsilon: 2 }))).data!.submitPipeline.id;
    expect((await finished(second)).status).toBe('succeeded');
    expect((await read(second)).trials[0].privacy.epsilon).toBeLessThanOrEqual(2);

    const ledger = await budget();
    expect(ledger).toMatchObject({ epsilon: 5, allowNonPrivate: false, spent: 4, remaining: 1 });
    expect(ledger.draws).toEqual([
      { runId: first, epsilon: 2, delta: 1e-5, drawnBy: 'engineer@example.com' },
      { runId: second, epsilon: 2, delta: 1e-5, drawnBy: 'engineer@example.com' },
    ]);
    const figures = "this run would spend ε = 2 of dataset patients's privacy budget of ε = 5, of which 4 is spent and 1 remains";
    expect((await submit(spec('third', { epsilon: 2 }))).errors![0]!.message).toBe(`The run was refused: ${figures}`);
    // A reproduction trains again, so it spends ε too.
    expect((await gql('mutation($id: ID!) { reproduce(input: { runId: $id }) { id } }', { id: first })).errors![0]!.message).toBe(`The run was refused: ${figures}`);
    // A retraining on new data is refused by the same rule, before it starts.
    const rows = readFileSync(path.join(PROJECT_ROOT, DATA), 'utf8').trim().split('\n');
    expect((await register({ content: rows.slice(0, -1).join('\n') + '\n', format: 'jsonl' })).errors).toBeUndefined();
    const retrain = await stack.api.data('mutation { retrainModel(input: { model: "diagnosis", reason: "new data" }) { status reason runId } }');
    expect(retrain.retrainModel).toEqual({ status: 'skipped', reason: figures, runId: null });

    const audit = await stack.api.data('query { auditTrail(input: { action: "privacy.drawn" }) { nodes { actor subjectType payload } } }');
    expect(audit.auditTrail.nodes.map((n: any) => [n.payload.runId, n.payload.epsilon, n.payload.spentBefore])).toEqual([
      [first, 2, 0],
      [second, 2, 2],
    ]);
    const set = await stack.api.data('query { auditTrail(input: { action: "dataset.privacy_budget_set" }) { nodes { payload } } }');
    expect(set.auditTrail.nodes).toHaveLength(1);
  });

  it('is drawn by the workflow itself: a run started straight from Temporal fails before training, and a draw repeated by one run counts once', { timeout: 120_000 }, async () => {
    const before = await budget();
    expect(before.spent).toBe(4);
    // What a schedule or another client could start without the API's check at submission.
    const start = pipelineStart({ id: randomUUID(), spec: spec('direct', { epsilon: 2 }) as never, submittedBy: 'engineer@example.com', purpose: 'release', trigger: 'manual', parentRunId: null, driftReportId: null });
    const handle = await stack.worker.client.workflow.start<typeof pipeline>('pipeline', { ...start, taskQueue: stack.worker.taskQueue });
    await expect(handle.result()).rejects.toThrow();
    const run = await read(start.args[0].runId);
    expect(run.status).toBe('failed');
    expect(run.error.message).toContain("this run would spend ε = 2 of dataset patients's privacy budget of ε = 5, of which 4 is spent and 1 remains");
    expect(run.trials).toEqual([]);
    recordHistory(start.workflowId, 'private-run-refused-by-its-budget');

    const repos = createRepositories(stack.database.db);
    const [version] = await repos.datasets.findVersionsByIds([(await stack.api.data('query { datasetVersion(input: { name: "patients", version: 1 }) { id } }')).datasetVersion.id]);
    const again = await repos.privacy.draw({ datasetId: version!.datasetId, runId: before.draws[0].runId, privacy: { epsilon: 2, delta: 1e-5 }, actor: 'engineer@example.com' });
    expect('drawn' in again && again.drawn?.runId).toBe(before.draws[0].runId);
    expect(await budget()).toEqual(before);
  });
});
