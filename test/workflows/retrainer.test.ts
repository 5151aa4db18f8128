import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestRetraining } from '../../clients/retraining.js';
import { PROJECT_ROOT } from '../../paths.js';
import { retrainerStateQuery, type RetrainRequest } from '../../domain/monitoring/messages.js';
import type { retrainer } from '../../workflows/monitoring/retrainer.js';
import { recordHistory } from '../support/histories.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

describe('the retrainer of a model', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown> = {}, as = 'engineer@example.com') => stack.api.data(query, variables, as);
  const runs = async (model: string) => (await gql('query($m: String) { pipelineRuns(input: { modelName: $m }) { nodes { id status trigger submittedBy datasetVersion { version } } } }', { m: model })).pipelineRuns.nodes as any[];

  it('runs one retraining per request, answers a repeated request the same way, and continues as new between retrainings', { timeout: 180_000 }, async () => {
    const model = 'cycled';
    const { submitPipeline } = await gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', {
      input: {
        spec: {
          name: model,
          dataset: { name: 'cycled-data', file: 'examples/iris/iris.csv' },
          task: 'classification',
          target: 'species',
          training: { trainer: 'logistic-regression', params: { numSteps: 200 } },
          evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
        },
      },
    });
    await eventually(() => runs(model), (r) => r.find((x) => x.id === submitPipeline.id)?.status === 'succeeded', 60_000);
    // Newer data to retrain on: the same flowers, in reverse order (a different content hash, so a new version).
    const [header, ...lines] = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/iris.csv'), 'utf8').trim().split('\n');
    await gql('mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { version } }', { input: { name: 'cycled-data', format: 'csv', content: [header, ...lines.reverse()].join('\n') } });

    // Started by hand with a short run length, so one retraining is enough to see it continue as new.
    const client = stack.worker.client;
    const first = await client.workflow.start<typeof retrainer>('retrainer', { workflowId: 'retrainer-cycled', taskQueue: stack.worker.taskQueue, args: [{ model, retrainingsPerRun: 1 }] });
    const request: RetrainRequest = { id: 'quarterly-refresh-1', model, kind: 'manual', reason: 'quarterly refresh', requestedBy: 'ci@example.com' };
    const answer = await requestRetraining(client, stack.worker.taskQueue, request);
    expect(answer).toMatchObject({ status: 'started', reason: 'quarterly refresh' });
    if (answer.status !== 'started') return;

    const retrained = await eventually(() => runs(model), (r) => r.find((x) => x.id === answer.runId)?.status === 'succeeded', 60_000);
    expect(retrained.find((x) => x.id === answer.runId)).toMatchObject({ trigger: 'retrain', submittedBy: 'ci@example.com', datasetVersion: { version: 2 } });

    // After its one retraining the first execution continued as new, carrying its answers along.
    const continued = await eventually(() => client.workflow.getHandle('retrainer-cycled').describe(), (d) => d.runId !== first.firstExecutionRunId, 30_000);
    expect(continued.status.name).toBe('RUNNING');
    const history = await client.workflow.getHandle('retrainer-cycled', first.firstExecutionRunId).fetchHistory();
    expect(history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(await client.workflow.getHandle('retrainer-cycled').query(retrainerStateQuery)).toEqual({ model, current: null, retrainings: 0 });

    // A repeated request (an activity retried, say) gets the first answer and starts nothing new.
    expect(await requestRetraining(client, stack.worker.taskQueue, request)).toEqual(answer);
    expect(await runs(model)).toHaveLength(2);

    // Asked again through the API: production was trained on the newest data, so there is nothing to learn.
    const again = await gql('mutation { retrainModel(input: { model: "cycled", reason: "just in case" }) { status reason runId } }');
    expect(again.retrainModel).toEqual({ status: 'skipped', reason: 'no new data: cycled-data v2 is what cycled v2 in production was trained on', runId: null });
    const alerts = await gql('{ alerts(input: { model: "cycled" }) { nodes { type message data } } }');
    expect(alerts.alerts.nodes[0]).toMatchObject({
      type: 'alert.retraining_skipped',
      message: 'Retraining of cycled skipped: no new data: cycled-data v2 is what cycled v2 in production was trained on',
      data: { kind: 'manual', requestedBy: 'engineer@example.com' },
    });
    expect(alerts.alerts.nodes.map((a: { type: string }) => a.type)).toEqual(['alert.retraining_skipped', 'alert.retraining_finished']);
    const trail = await gql('{ auditTrail(input: { subjectId: "cycled", action: "model.retrain_requested" }) { nodes { actor payload } } }');
    expect(trail.auditTrail.nodes).toEqual([{ actor: 'engineer@example.com', payload: expect.objectContaining({ answer: 'skipped' }) }]);
    recordHistory('retrainer-cycled', 'retrainer-after-continue-as-new');
  });

  it('skips a model with nothing in production, and refuses unknown models through the API', async () => {
    const wrong = await requestRetraining(stack.worker.client, stack.worker.taskQueue, { id: 'x', model: 'other', kind: 'manual', reason: 'r', requestedBy: 'ci@example.com' });
    // No retrainer exists for it yet: one is started, and finds nothing in production to retrain.
    expect(wrong).toEqual({ status: 'skipped', reason: 'model other has no version in production to retrain' });
    const unknown = await stack.api.gql('mutation { retrainModel(input: { model: "nobody" }) { status } }');
    expect(unknown.errors![0]).toMatchObject({ message: 'Model nobody is not registered', extensions: { code: 'NOT_FOUND' } });
    const bad = await stack.api.gql('mutation { retrainModel(input: { model: "Bad Name" }) { status } }');
    expect(bad.errors![0]).toMatchObject({ message: 'input.model must be a model name: 1-63 lowercase letters, digits or dashes', extensions: { code: 'BAD_USER_INPUT' } });
  });
});
