import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../paths.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const example = (name = 'breast-cancer-private') => parse(readFileSync(path.join(PROJECT_ROOT, `examples/${name}/pipeline.yaml`), 'utf8')) as Record<string, any>;
const RUN = `id status error { message } trials { privacy { epsilon delta noiseMultiplier steps } metrics }
  modelVersion { metrics modelCard privacy { mechanism epsilon delta noiseMultiplier clipNorm samplingRate steps epochs batchSize } }`;

/** DP-SGD through the whole pipeline: the ε spent on the trial, the model version and its card, and what privacy cost in accuracy. */
describe('differentially private training', () => {
  let stack: TestStack;
  const run = async (spec: Record<string, any>) => {
    const { submitPipeline } = await stack.api.data('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } });
    const read = async () => (await stack.api.data(`query($id: ID!) { pipelineRun(input: { runId: $id }) { ${RUN} } }`, { id: submitPipeline.id })).pipelineRun;
    return await eventually(read, (r) => !['running', 'awaiting_approval'].includes(r.status), 120_000);
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('spends at most the target ε, says so on the trial, the version and the model card, and costs little accuracy', { timeout: 240_000 }, async () => {
    const spec: Record<string, any> = { ...example(), gates: [] };
    const plainSpec = { ...spec, name: 'breast-cancer-plain', model: 'breast-cancer-plain', training: { ...spec.training, privacy: undefined } };
    const [privateRun, plainRun] = [await run(spec), await run(plainSpec)];
    expect(privateRun.error).toBeNull();
    expect(privateRun.status).toBe('succeeded');
    const spent = privateRun.modelVersion.privacy;
    expect(spent).toMatchObject({ mechanism: 'dp-sgd', delta: 1e-5, clipNorm: 1, batchSize: 64, epochs: 20 });
    expect(spent.epsilon).toBeGreaterThan(2.9);
    expect(spent.epsilon).toBeLessThanOrEqual(3);
    expect(privateRun.trials[0].privacy).toEqual({ epsilon: spent.epsilon, delta: spent.delta, noiseMultiplier: spent.noiseMultiplier, steps: spent.steps });
    expect(privateRun.modelVersion.modelCard).toContain(`(ε = ${Number(spent.epsilon.toPrecision(4))}, δ = 1e-5)-differentially private`);
    expect(plainRun.status).toBe('succeeded');
    expect(plainRun.modelVersion.privacy).toBeNull();
    expect(plainRun.modelVersion.modelCard).toContain('Trained without differential privacy.');
    // The utility cost, on the same held-out test split: small on this data at ε = 3.
    const cost = plainRun.modelVersion.metrics.accuracy - privateRun.modelVersion.metrics.accuracy;
    expect(privateRun.modelVersion.metrics.accuracy).toBeGreaterThan(0.9);
    expect(cost).toBeLessThan(0.06);
  });

  it('on the claims example: ε = 1 with sensitive columns, at a small cost in AUC against the same model without privacy', { timeout: 240_000 }, async () => {
    const spec: Record<string, any> = { ...example('claims-private'), gates: [] };
    const plainSpec = { ...spec, name: 'claims-plain', model: 'claims-plain', training: { ...spec.training, privacy: undefined } };
    const [privateRun, plainRun] = [await run(spec), await run(plainSpec)];
    expect(privateRun.error, JSON.stringify(privateRun.error)).toBeNull();
    expect(plainRun.error, JSON.stringify(plainRun.error)).toBeNull();
    const spent = privateRun.modelVersion.privacy;
    expect(spent.epsilon).toBeGreaterThan(0.95);
    expect(spent.epsilon).toBeLessThanOrEqual(1);
    const [p, q] = [privateRun.modelVersion.metrics, plainRun.modelVersion.metrics];
    // The non-private fit is scikit-learn's (rocAuc 0.660 in test/fixtures/trainers/reference.json). Fresh noise costs
    // 0.005 AUC on average (test/ml/privacy-attack.test.ts averages 20 trainings); one training varies around that.
    expect(q.rocAuc).toBeCloseTo(0.66, 2);
    expect(p.rocAuc).toBeGreaterThan(0.63);
    expect(q.rocAuc - p.rocAuc).toBeLessThan(0.035);
    // A reproduction trains again with fresh noise: another model, reported as expected rather than as a mismatch.
    const { reproduce } = await stack.api.data('mutation($id: ID!) { reproduce(input: { runId: $id }) { id } }', { id: privateRun.id });
    const reproduction = await eventually(
      async () => (await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { status reproduction { identical expectedDifference } } }', { id: reproduce.id })).pipelineRun,
      (r) => r.reproduction?.identical !== null && r.reproduction?.identical !== undefined,
      120_000,
    );
    expect(reproduction.reproduction).toEqual({ identical: false, expectedDifference: 'private training draws fresh noise' });
  });

  it('refuses privacy where it cannot hold, naming the field', async () => {
    const refused = async (mutate: (spec: Record<string, any>) => void) => {
      const spec = example();
      mutate(spec);
      const answer = await stack.api.gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } });
      return (answer.errors?.[0]?.extensions?.issues as { path: string; message: string }[]).map((i) => `${i.path} ${i.message}`);
    };
    expect(await refused((s) => (s.training.trainer = 'random-forest'))).toContainEqual(expect.stringMatching(/training\.privacy is for training\.trainer logistic-regression/));
    expect(await refused((s) => (s.training.search = { space: { C: [0.1, 1] } }))).toContainEqual(expect.stringMatching(/training\.search a private run trains one configuration/));
    expect(await refused((s) => (s.training.privacy.noiseMultiplier = 1.1))).toContainEqual(expect.stringMatching(/training\.privacy\.epsilon give either epsilon/));
    expect(await refused((s) => (s.features = { columns: ['mean_radius'] }))).toContainEqual(expect.stringMatching(/^(spec\.)?features/));
  });
});
