import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const iris = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/iris.csv'), 'utf8');

/** A small, gate-free release of `trainer` on dataset `flowers`, version `version`. */
function spec(name: string, version: number, trainer: 'random-forest' | 'logistic-regression'): PipelineSpecInput {
  return {
    name,
    model: name,
    dataset: { name: 'flowers', version },
    task: 'classification',
    target: 'species',
    training: { trainer, params: trainer === 'random-forest' ? { nEstimators: 15 } : { numSteps: 300 } },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    deployment: { production: {} },
  };
}

describe('lineage and reproduce', () => {
  let stack: TestStack;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const gql = <T>(query: string, variables: Record<string, unknown> = {}) => stack.api.data<T>(query, variables);
  const finished = (id: string) =>
    eventually(
      async () => (await gql<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id })).pipelineRun.status,
      (status) => !['running', 'awaiting_approval'].includes(status),
      90_000,
    );
  const run = async (s: PipelineSpecInput) => {
    const { submitPipeline } = await gql<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: s } });
    expect(await finished(submitPipeline.id)).toBe('succeeded');
    return submitPipeline.id;
  };

  it('links two dataset versions, three runs (one a reproduction), their trials, model versions and deployments', { timeout: 180_000 }, async () => {
    const register = (content: string) =>
      gql<{ registerDataset: { id: string } }>('mutation($c: String!) { registerDataset(input: { name: "flowers", content: $c, format: "csv" }) { id } }', { c: content });
    ids.dsv1 = (await register(iris)).registerDataset.id;
    ids.dsv2 = (await register(iris.trim().split('\n').slice(0, -10).join('\n'))).registerDataset.id;
    ids.runA = await run(spec('lineage-a', 1, 'random-forest'));
    ids.runB = await run(spec('lineage-b', 2, 'random-forest'));
    const { reproduce } = await gql<{ reproduce: { id: string } }>('mutation($id: ID!) { reproduce(input: { runId: $id }) { id } }', { id: ids.runA });
    ids.runC = reproduce.id;
    expect(await finished(ids.runC)).toBe('succeeded');

    const details = await gql<{ a: any; b: any; c: any }>(
      `query($a: ID!, $b: ID!, $c: ID!) {
        a: pipelineRun(input: { runId: $a }) { trials { id } modelVersion { id } deployments { id } }
        b: pipelineRun(input: { runId: $b }) { trials { id } modelVersion { id } deployments { id } }
        c: pipelineRun(input: { runId: $c }) { purpose trigger trials { id } modelVersion { id } reproduction { identical expectedDifference artifactSha256 originalArtifactSha256 } } }`,
      { a: ids.runA, b: ids.runB, c: ids.runC },
    );
    Object.assign(ids, {
      trialA: details.a.trials[0].id,
      mvA: details.a.modelVersion.id,
      depA: details.a.deployments[0].id,
      trialB: details.b.trials[0].id,
      mvB: details.b.modelVersion.id,
      depB: details.b.deployments[0].id,
      trialC: details.c.trials[0].id,
    });
    // What it is for is its purpose; what started it, a person asking, its trigger.
    expect([details.c.purpose, details.c.trigger]).toEqual(['reproduce', 'manual']);
    expect(details.c.modelVersion).toBeNull();
    expect(details.c.reproduction.identical).toBe(true);
    expect(details.c.reproduction.expectedDifference).toBeNull();

    const lineage = (nodeId: string, direction: string) =>
      gql<{ lineage: { nodes: { id: string; type: string }[]; edges: { fromId: string; toId: string; relation: string }[] } }>(
        'query($id: ID!, $d: LineageDirection) { lineage(input: { nodeId: $id, direction: $d }) { nodes { id type } edges { fromId toId relation } } }',
        { id: nodeId, d: direction },
      );
    const name = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    const readable = (graph: Awaited<ReturnType<typeof lineage>>['lineage']) => ({
      nodes: graph.nodes.map((n) => name[n.id] ?? n.id).sort(),
      edges: graph.edges.map((e) => `${name[e.fromId]} -${e.relation}-> ${name[e.toId]}`).sort(),
    });

    expect(readable((await lineage(ids.runA!, 'BOTH')).lineage)).toEqual({
      nodes: ['depA', 'dsv1', 'mvA', 'runA', 'runC', 'trialA', 'trialC'],
      edges: [
        'dsv1 -input_of-> runA',
        'dsv1 -input_of-> runC',
        'mvA -deployed_as-> depA',
        'runA -produced-> mvA',
        'runA -reproduce-> runC',
        'runA -trained-> trialA',
        'runC -trained-> trialC',
        'trialA -registered_as-> mvA',
      ],
    });
    expect(readable((await lineage(ids.depB!, 'UPSTREAM')).lineage)).toEqual({
      nodes: ['depB', 'dsv2', 'mvB', 'runB', 'trialB'],
      edges: ['dsv2 -input_of-> runB', 'mvB -deployed_as-> depB', 'runB -produced-> mvB', 'runB -trained-> trialB', 'trialB -registered_as-> mvB'],
    });
    expect(readable((await lineage(ids.dsv2!, 'DOWNSTREAM')).lineage).nodes).toEqual(['depB', 'dsv2', 'mvB', 'runB', 'trialB']);

    const resolved = await gql<{ lineage: { nodes: any[] } }>(
      'query($id: ID!) { lineage(input: { nodeId: $id, direction: UPSTREAM, depth: 2 }) { nodes { type datasetVersion { version } run { pipelineName } trial { index } modelVersion { version } deployment { stage } } } }',
      { id: ids.mvA },
    );
    expect(resolved.lineage.nodes.map((n) => [n.type, n.datasetVersion?.version ?? n.run?.pipelineName ?? n.trial?.index ?? n.modelVersion?.version])).toEqual([
      ['model_version', 1],
      ['run', 'lineage-a'],
      ['trial', 0],
      ['dataset_version', 1],
    ]);
  });

  it.each([
    ['logistic-regression', () => spec('lineage-logistic', 1, 'logistic-regression')],
    [
      'linear-regression',
      (): PipelineSpecInput => ({
        name: 'lineage-linear',
        dataset: { name: 'diabetes', file: 'examples/diabetes/diabetes.csv' },
        task: 'regression',
        target: 'progression',
        training: { trainer: 'linear-regression' },
        evaluation: { primaryMetric: 'rmse', champion: { enabled: false } },
        deployment: { production: {} },
      }),
    ],
  ] as const)('reproduces a %s run to the same artifact hash', { timeout: 120_000 }, async (_trainer, make) => {
    const original = await run(make());
    const { reproduce } = await gql<{ reproduce: { id: string } }>('mutation($id: ID!) { reproduce(input: { runId: $id }) { id } }', { id: original });
    expect(await finished(reproduce.id)).toBe('succeeded');
    const { pipelineRun } = await gql<{ pipelineRun: { trials: { reusedFromTrialId: string | null }[]; reproduction: any } }>(
      'query($id: ID!) { pipelineRun(input: { runId: $id }) { trials { reusedFromTrialId } reproduction { identical artifactSha256 originalArtifactSha256 } } }',
      { id: reproduce.id },
    );
    expect(pipelineRun.trials.every((t) => t.reusedFromTrialId === null)).toBe(true);
    expect(pipelineRun.reproduction.artifactSha256).toBe(pipelineRun.reproduction.originalArtifactSha256);
    expect(pipelineRun.reproduction.identical).toBe(true);
  });

  it('answers bad lineage input with clear errors', async () => {
    const bad = await stack.api.gql('{ lineage(input: { nodeId: "x" }) { nodes { id } } }');
    expect(bad.errors![0]).toMatchObject({ message: 'input.nodeId must be a UUID', extensions: { code: 'BAD_USER_INPUT' } });
    const unknown = await stack.api.gql('{ lineage(input: { nodeId: "00000000-0000-4000-8000-000000000000" }) { nodes { id } } }');
    expect(unknown.errors![0]!.message).toBe('input.nodeId is not a dataset version, run, trial, model version, deployment or drift report');
    const deep = await stack.api.gql(`{ lineage(input: { nodeId: "${ids.runA}", depth: 50 }) { nodes { id } } }`);
    expect(deep.errors![0]!.message).toBe('input.depth must be between 1 and 10');
  });
});
