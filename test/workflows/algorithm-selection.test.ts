import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { claimsCsv } from '../support/imports.js';
import { recordHistory } from '../support/histories.js';
import { createImportDir } from '../support/imports.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';


/**
 * Algorithm selection end to end: three trainers searched together by successive halving, every
 * trial recorded, the best on validation evaluated, approved at the gate and deployed, and the model
 * card listing the leaderboard.
 */
describe('a search across three trainers with a features section', () => {
  let stack: TestStack;
  const imports = createImportDir();
  beforeAll(async () => {
    imports.write('claims.csv', claimsCsv());
    stack = await startStack({ env: { CUSTODY_IMPORT_DIR: imports.dir } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const spec: PipelineSpecInput = {
    name: 'claims-selection',
    dataset: { name: 'claims', file: 'claims.csv' },
    task: 'classification',
    target: 'claim',
    validation: { maxMissingFraction: 0.1 },
    features: {
      impute: { numeric: 'median', categorical: 'most_frequent', indicators: true },
      oneHot: { minFrequency: 0.02 },
      transforms: { annual_mileage: 'log', age: { bucketize: [25, 40, 60, 75] } },
      interactions: [['vehicle_age', 'prior_claims']],
      select: { nearConstant: 0.995, maxCorrelation: 0.95, topK: { k: 20, by: 'mutual_information' } },
    },
    training: {
      candidates: [
        { trainer: 'logistic-regression', space: { C: [0.01, 0.1, 1] } },
        { trainer: 'random-forest', params: { nEstimators: 40 }, space: { maxDepth: [4, 12], minSamplesLeaf: [1, 20] } },
        { trainer: 'gradient-boosting', space: { learningRate: [0.05, 0.1], maxIter: [40, 80] } },
      ],
      search: { strategy: 'halving', parallelism: 2 },
    },
    evaluation: { primaryMetric: 'rocAuc', thresholds: { rocAuc: { min: 0.6 } }, champion: { enabled: false } },
    gates: [{ name: 'release' }],
    deployment: { production: {} },
  };

  it('halves 11 configurations to one, records every trial and its feature decisions, and takes the winner through the gate to production', { timeout: 240_000 }, async () => {
    const { submitPipeline } = await stack.api.data('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } });
    const id = submitPipeline.id as string;
    const read = async () =>
      (
        await stack.api.data(
          `query($id: ID!) { pipelineRun(input: { runId: $id }) { status workflowId error { type message } trialsPlanned
            trials { index trainer params status sampleFraction metrics featureDecisions { feature action } }
            leaderboard { rank trialIndex trainer params metric value sampleFraction durationMs }
            modelVersion { id trainer params metrics } deployments { stage role } } }`,
          { id },
        )
      ).pipelineRun;
    const waiting = await eventually(read, (r) => r.status !== 'running', 200_000);
    expect(waiting.status, JSON.stringify(waiting)).toBe('awaiting_approval');
    await stack.api.data('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id }, 'approver@example.com');
    const run = await eventually(read, (r) => !['running', 'awaiting_approval'].includes(r.status), 60_000);
    expect(run.status).toBe('succeeded');

    // 3 + 4 + 4 configurations: 11 on a ninth of the rows, the best 3 on a third, the best 1 on all of them.
    const fractions = run.trials.map((t: any) => t.sampleFraction);
    expect(run.trialsPlanned).toBe(11 + 3 + 1);
    expect(run.trials).toHaveLength(run.trialsPlanned);
    expect(fractions.filter((f: number) => Math.abs(f - 1 / 9) < 1e-9)).toHaveLength(11);
    expect(fractions.filter((f: number) => Math.abs(f - 1 / 3) < 1e-9)).toHaveLength(3);
    expect(fractions.filter((f: number) => f === 1)).toHaveLength(1);
    expect(run.trials.every((t: any) => t.status === 'succeeded' && t.featureDecisions.filter((d: any) => d.action === 'kept').length === 20)).toBe(true);
    expect(new Set(run.trials.slice(0, 11).map((t: any) => t.trainer))).toEqual(new Set(['logistic-regression', 'random-forest', 'gradient-boosting']));

    // The leaderboard puts the full-data winner first, then each earlier rung best first.
    const [winner] = run.leaderboard;
    expect(winner).toMatchObject({ rank: 1, trialIndex: 14, sampleFraction: 1, metric: 'rocAuc' });
    expect(run.leaderboard).toHaveLength(15);
    const thirds = run.leaderboard.filter((e: any) => Math.abs(e.sampleFraction - 1 / 3) < 1e-9).map((e: any) => e.value);
    expect(thirds).toEqual([...thirds].sort((a, b) => b - a));
    const finalist = run.trials.find((t: any) => t.index === 14);
    expect(run.modelVersion).toMatchObject({ trainer: finalist.trainer, params: finalist.params });
    expect(run.modelVersion.metrics.rocAuc).toBeGreaterThan(0.6);
    expect(run.deployments).toEqual([{ stage: 'production', role: 'primary' }]);

    const { modelVersion } = await stack.api.data('query($id: ID!) { modelVersion(input: { id: $id }) { modelCard } }', { id: run.modelVersion.id });
    expect(modelVersion.modelCard).toContain('## Model selection (15 trials, ranked by validation rocAuc)');
    // The features section's decisions, learned on the training rows, and the environment are on the card.
    expect(modelVersion.modelCard).toMatch(/## Features \(20 kept of \d+\)/);
    expect(modelVersion.modelCard).toContain('| log(annual_mileage) | annual_mileage | log of annual_mileage | kept |');
    expect(modelVersion.modelCard).toContain('| vehicle_age*prior_claims | vehicle_age, prior_claims |');
    expect(modelVersion.modelCard).toMatch(/\| dropped \| ranked \d+ of \d+ by mutual information/);
    expect(modelVersion.modelCard).toContain(`- **node:** ${process.version}`);

    // Serving applies the same transforms to raw rows: a missing credit score, an unseen region.
    const { predict } = await stack.api.data(
      'mutation($input: PredictInput!) { predict(input: $input) { value probabilities } }',
      { input: { model: 'claims-selection', inputs: [{ age: 22, vehicle_age: 3, annual_mileage: 30000, region: 'mars', vehicle_type: 'sports', prior_claims: 2, credit_score: null, policy_tenure: 0.5, channel: 'online' }, { age: 50, vehicle_age: 5, annual_mileage: 8000, region: 'north', vehicle_type: 'sedan', prior_claims: 0, credit_score: 780, policy_tenure: 9, channel: 'broker' }] } },
      'viewer@example.com',
    );
    expect(predict).toHaveLength(2);
    expect(predict[0].probabilities.yes).toBeGreaterThan(predict[1].probabilities.yes);
    recordHistory(run.workflowId, 'halving-across-three-trainers');
    for (const trainer of ['logistic-regression', 'random-forest', 'gradient-boosting']) expect(modelVersion.modelCard).toContain(`| ${trainer} |`);
  });

  it('fails data validation, naming the column, when the features section names a column the data lacks', { timeout: 60_000 }, async () => {
    const bad = { ...spec, name: 'claims-missing-column', features: { transforms: { annual_income: 'log' }, interactions: [['age', 'garage_size']] } };
    const { submitPipeline } = await stack.api.data('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: bad } });
    const run = await eventually(
      async () => (await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { status error { type details } } }', { id: submitPipeline.id })).pipelineRun,
      (r) => r.status !== 'running',
      30_000,
    );
    expect(run.status).toBe('failed');
    expect(run.error.type).toBe('DataValidationFailed');
    expect(run.error.details.failures.filter((f: any) => f.rule === 'schema').map((f: any) => f.message)).toEqual([
      'column annual_income is used by the spec but missing from the dataset',
      'column garage_size is used by the spec but missing from the dataset',
    ]);
  });

  it('refuses at submission a features section that refers outside its own columns, or that a command trainer would ignore', async () => {
    const outside = await stack.api.gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', {
      input: { spec: { ...spec, name: 'claims-outside', features: { columns: ['age', 'region'], transforms: { annual_mileage: 'log' } } } },
    });
    expect(outside.errors![0]!.message).toBe('The pipeline spec is invalid: spec.features.transforms.annual_mileage annual_mileage is not in features.columns');
    const command = await stack.api.gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', {
      input: { spec: { ...spec, name: 'claims-command', features: { impute: { indicators: true } }, training: { trainer: 'command', command: ['node', 'train.mjs'] } } },
    });
    expect(command.errors![0]!.message).toContain('spec.features a features section applies to the built-in trainers');
  });
});
