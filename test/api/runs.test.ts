import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const irisText = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/pipeline.yaml'), 'utf8');
const RUN_FIELDS = `id workflowId temporalUiUrl status currentStep submittedBy error { type message details }
  steps { name status attempts output error { type message } }
  trials { index params status metrics artifactSha256 cacheKey reusedFromTrialId }
  gates { name status quorum approvals { actor comment } rejection { actor } }
  gateDecisions { gate actor decision accepted refusedReason via }
  datasetVersion { datasetName version sha256 rowCount columns { name kind count } }
  modelVersion { id modelName version artifactSha256 trainer params metrics codeVersion }
  deployments { stage role trafficPercent endedAt endReason approvedBy }`;

describe('pipelines over GraphQL', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const submit = async (specText: string, as = 'engineer@example.com') => {
    const response = await stack.api.gql<{ submitPipeline: { id: string; workflowId: string; temporalUiUrl: string; status: string } }>(
      'mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id workflowId temporalUiUrl status } }',
      { input: { specText } },
      { as },
    );
    expect(response.errors).toBeUndefined();
    return response.data!.submitPipeline;
  };
  const run = async (id: string) => {
    const response = await stack.api.gql<{ pipelineRun: Record<string, any> }>(`query($id: ID!) { pipelineRun(input: { runId: $id }) { ${RUN_FIELDS} } }`, { id });
    expect(response.errors).toBeUndefined();
    return response.data!.pipelineRun;
  };
  const decide = (mutation: 'approveGate' | 'rejectGate', as: string, input: Record<string, unknown>) =>
    stack.api.gql<Record<string, { name: string; status: string }>>(`mutation($input: GateDecisionInput!) { ${mutation}(input: $input) { name status } }`, { input }, { as });

  it('submits the iris example, waits at the gate, is approved over GraphQL and reaches production', async () => {
    const submitted = await submit(irisText);
    expect(submitted.workflowId).toBe(`pipeline-iris-classifier-${submitted.id}`);
    expect(submitted.temporalUiUrl).toContain(`/namespaces/default/workflows/${submitted.workflowId}`);

    const waiting = await eventually(() => run(submitted.id), (r) => r.status === 'awaiting_approval', 60_000);
    expect(waiting.currentStep).toBe('gate:production-approval');
    expect(waiting.gates).toEqual([{ name: 'production-approval', status: 'open', quorum: 1, approvals: [], rejection: null }]);
    expect(waiting.trials).toHaveLength(4);
    expect(waiting.trials.every((t: any) => t.status === 'succeeded' && t.metrics.accuracy > 0.8 && /^[0-9a-f]{64}$/.test(t.artifactSha256))).toBe(true);

    const approved = await decide('approveGate', 'approver@example.com', { runId: submitted.id, comment: 'ship it'  });
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveGate).toEqual({ name: 'production-approval', status: 'approved' });

    const done = await eventually(() => run(submitted.id), (r) => r.status === 'succeeded', 60_000);
    expect(done.steps.map((s: any) => s.status)).toEqual(Array(8).fill('succeeded'));
    expect(done.datasetVersion).toMatchObject({ datasetName: 'iris', version: 1, rowCount: 150 });
    expect(done.datasetVersion.columns.map((c: any) => [c.name, c.kind])).toEqual([
      ['sepal_length', 'numeric'],
      ['sepal_width', 'numeric'],
      ['petal_length', 'numeric'],
      ['petal_width', 'numeric'],
      ['species', 'categorical'],
    ]);
    expect(done.modelVersion).toMatchObject({ modelName: 'iris', version: 1, trainer: 'random-forest' });
    expect(done.modelVersion.metrics.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(done.gateDecisions).toEqual([{ gate: 'production-approval', actor: 'approver@example.com', decision: 'approve', accepted: true, refusedReason: null, via: 'api' }]);
    expect(done.deployments.map((d: any) => [d.stage, d.role, d.trafficPercent, d.endReason])).toEqual([
      ['staging', 'primary', 100, null],
      ['production', 'canary', 10, 'promoted'],
      ['production', 'canary', 50, 'promoted'],
      ['production', 'primary', 100, null],
    ]);
    expect(done.deployments.every((d: any) => d.approvedBy.includes('approver@example.com'))).toBe(true);

    const model = await stack.api.gql<{ model: any; deploymentHistory: any[] }>(
      `query($at: DateTime) { model(input: { name: "iris" }) { name productionVersion { version } currentDeployments { stage role version } versions { version } }
        deploymentHistory(input: { model: "iris", at: $at }) { stage role version approvedBy } }`,
      { at: new Date().toISOString() },
    );
    expect(model.errors).toBeUndefined();
    expect(model.data!.model.productionVersion).toEqual({ version: 1 });
    expect(model.data!.deploymentHistory).toEqual(
      expect.arrayContaining([{ stage: 'production', role: 'primary', version: 1, approvedBy: ['approver@example.com'] }]),
    );
    const before = await stack.api.gql<{ deploymentHistory: any[] }>('query($at: DateTime) { deploymentHistory(input: { model: "iris", at: $at }) { version } }', {
      at: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(before.data!.deploymentHistory).toEqual([]);
  });

  it('rejects a spec with every offending field named, and writes nothing', async () => {
    const bad = irisText.replace('parallelism: 2', 'parallelism: 0').replace('trainer: random-forest', 'trainer: gradient-magic').replace('task: classification', 'task: classification\ncolour: blue');
    const response = await stack.api.gql<never>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { specText: bad } });
    expect(response.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const issues = response.errors![0]!.extensions!.issues as { path: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(['spec.colour', 'spec.training.search.parallelism', 'spec.training.trainer']);
    const runs = await stack.api.gql<{ pipelineRuns: { nodes: unknown[] } }>('{ pipelineRuns(input: { pipelineName: "iris-classifier", status: failed }) { nodes { id } } }');
    expect(runs.data!.pipelineRuns.nodes).toEqual([]);
  });

  it('answers bad ids and bad YAML with clear errors, never a 500', async () => {
    const notUuid = await stack.api.gql('{ pipelineRun(input: { runId: "nope" }) { id } }');
    expect(notUuid.errors![0]).toMatchObject({ message: 'input.runId must be a UUID', extensions: { code: 'BAD_USER_INPUT' } });
    const missing = await stack.api.gql('{ pipelineRun(input: { runId: "00000000-0000-4000-8000-000000000000" }) { id } }');
    expect(missing.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const yaml = await stack.api.gql('mutation { submitPipeline(input: { specText: "name: [unclosed" }) { id } }');
    expect(yaml.errors![0]!.message).toMatch(/^input.specText is not valid YAML or JSON at line 1/);
    const both = await stack.api.gql('mutation { submitPipeline(input: { specText: "a: 1", spec: { a: 1 } }) { id } }');
    expect(both.errors![0]!.message).toBe('input must give exactly one of spec (a JSON object) or specText (YAML or JSON text)');
    const cursor = await stack.api.gql('{ pipelineRuns(input: { after: "garbage" }) { nodes { id } } }');
    expect(cursor.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a second approval by the same person, records it, and counts a quorum of distinct approvers', async () => {
    const submitted = await submit(irisText.replace('quorum: 1', 'quorum: 2').replace('name: iris-classifier', 'name: iris-quorum'));
    await eventually(() => run(submitted.id), (r) => r.status === 'awaiting_approval', 60_000);
    expect((await decide('approveGate', 'ana@example.com', { runId: submitted.id  })).data!.approveGate.status).toBe('open');
    const again = await decide('approveGate', 'ana@example.com', { runId: submitted.id  });
    expect(again.errors![0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(again.errors![0]!.message).toContain('ana@example.com has already approved gate production-approval');
    const wrongGate = await decide('approveGate', 'bo@example.com', { runId: submitted.id, gate: 'nope'  });
    expect(wrongGate.errors![0]!.message).toContain('gate nope is not open; the open gate is production-approval');
    expect((await decide('approveGate', 'bo@example.com', { runId: submitted.id  })).data!.approveGate.status).toBe('approved');
    const done = await eventually(() => run(submitted.id), (r) => r.status === 'succeeded', 60_000);
    expect(done.gateDecisions.map((d: any) => [d.actor, d.accepted])).toEqual(
      expect.arrayContaining([
        ['ana@example.com', true],
        ['ana@example.com', false],
        ['bo@example.com', false],
        ['bo@example.com', true],
      ]),
    );
    expect(done.gates[0].approvals.map((a: any) => a.actor)).toEqual(['ana@example.com', 'bo@example.com']);
  });

  it('ends the run as rejected when the gate is rejected, and deploys nothing', async () => {
    const submitted = await submit(irisText.replace('name: iris-classifier', 'name: iris-rejected').replace('model: iris', 'model: iris-rejected'));
    await eventually(() => run(submitted.id), (r) => r.status === 'awaiting_approval', 60_000);
    const rejected = await decide('rejectGate', 'risk@example.com', { runId: submitted.id, comment: 'not yet'  });
    expect(rejected.data!.rejectGate.status).toBe('rejected');
    const done = await eventually(() => run(submitted.id), (r) => r.status === 'rejected', 60_000);
    expect(done.error).toMatchObject({ type: 'GateRejected', message: 'gate production-approval was rejected by risk@example.com: not yet' });
    expect(done.deployments).toEqual([]);
    const late = await decide('approveGate', 'reviewer@example.com', { runId: submitted.id  });
    expect(late.errors![0]!.extensions!.code).toBe('CONFLICT');
  });

  it('lists runs newest first with filters and cursor pagination', async () => {
    const page1 = await stack.api.gql<{ pipelineRuns: any }>('{ pipelineRuns(input: { first: 2 }) { nodes { id pipelineName createdAt } pageInfo { hasNextPage endCursor } } }');
    expect(page1.data!.pipelineRuns.nodes).toHaveLength(2);
    expect(page1.data!.pipelineRuns.pageInfo.hasNextPage).toBe(true);
    const page2 = await stack.api.gql<{ pipelineRuns: any }>('query($after: String) { pipelineRuns(input: { first: 2, after: $after }) { nodes { id createdAt } } }', {
      after: page1.data!.pipelineRuns.pageInfo.endCursor,
    });
    const ids = [...page1.data!.pipelineRuns.nodes, ...page2.data!.pipelineRuns.nodes].map((n: any) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    const times = [...page1.data!.pipelineRuns.nodes, ...page2.data!.pipelineRuns.nodes].map((n: any) => Date.parse(n.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const filtered = await stack.api.gql<{ pipelineRuns: any }>('{ pipelineRuns(input: { pipelineName: "iris-rejected", status: rejected }) { nodes { pipelineName status } } }');
    expect(filtered.data!.pipelineRuns.nodes).toEqual([{ pipelineName: 'iris-rejected', status: 'rejected' }]);
  });
});
