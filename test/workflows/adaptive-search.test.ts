import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { parsePipelineSpec } from '../../domain/pipeline/spec.js';
import { proposeTrial, type SearchedTrial } from '../../domain/pipeline/search.js';
import { medianCurve, pruneRound } from '../../domain/pipeline/pruning.js';
import { claims } from '../../bench/datasets.js';
import { claimsCsv } from '../support/imports.js';
import { recordHistory } from '../support/histories.js';
import { createImportDir } from '../support/imports.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

/** Every trial stopped exactly where the medians of the earlier batches' unpruned curves (batches of two) stop it. */
function expectPrunedByTheMedians(trials: any[]): void {
  for (const trial of trials) {
    const before = trials.filter((t: any) => t.index < trial.index - (trial.index % 2) && t.prunedAtRound === null);
    const pruning = { warmupRounds: 3, medians: medianCurve(before.map((t: any) => t.learningCurve)) };
    expect(pruneRound(trial.learningCurve, pruning), `trial ${trial.index}`).toBe(trial.prunedAtRound);
    expect(trial.learningCurve).toHaveLength(trial.prunedAtRound ?? 40);
  }
}


const RUN = `query($id: ID!) { pipelineRun(input: { runId: $id }) { id status workflowId error { type message } trialsPlanned
  trials { id index trainer params status metrics learningCurve prunedAtRound seededFromTrialId reusedFromTrialId }
  leaderboard { rank trialIndex params value prunedAtRound fromHistory }
  modelVersion { id params explanations { rows of link base meanAbs { feature value } dependence { feature points } extremes { rank output top { feature value } } skipped } } } }`;

/**
 * An adaptive search end to end, on a real Temporal server and database: tpe proposing batch by batch with median
 * pruning of the boosted trees, then a second run of the model that warm-starts from the first.
 */
describe('a tpe search with median pruning, and a warm start from it', () => {
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
    name: 'claims-tpe',
    dataset: { name: 'claims', file: 'claims.csv' },
    task: 'classification',
    target: 'claim',
    validation: { maxMissingFraction: 0.1 },
    training: {
      trainer: 'gradient-boosting',
      params: { maxIter: 40, earlyStopping: false },
      seed: 11,
      search: {
        strategy: 'tpe',
        trials: 14,
        parallelism: 2,
        pruning: 'median',
        warmupRounds: 3,
        space: { learningRate: { low: 0.005, high: 0.5, log: true }, maxLeafNodes: { low: 4, high: 64, type: 'int' }, l2Regularization: [0, 1, 10] },
      },
    },
    evaluation: { primaryMetric: 'rocAuc', champion: { enabled: false } },
    deployment: { production: {} },
  };
  const submit = async (input: PipelineSpecInput) => {
    const { submitPipeline } = await stack.api.data('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: input } });
    return await eventually(async () => (await stack.api.data(RUN, { id: submitPipeline.id })).pipelineRun, (r) => r.status !== 'running', 200_000);
  };
  let first: any;
  let warmStarted: any;

  it('proposes every trial from the ones before it, prunes the trials worse than the median, and picks the best of the rest', { timeout: 240_000 }, async () => {
    first = await submit(spec);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.trialsPlanned).toBe(14);
    expect(first.trials).toHaveLength(14);
    expect(first.trials.every((t: any) => t.status === 'succeeded' && t.learningCurve.length > 0)).toBe(true);

    // Each batch of two was given the curves of the finished trials before it that ran to their end: a pruned trial
    // stopped at the first round past the warm-up where its loss was above their median, and no other trial crossed it.
    expect(first.trials.filter((t: any) => t.prunedAtRound !== null).length).toBeGreaterThan(0);
    expectPrunedByTheMedians(first.trials);

    // The proposals are a function of the seed and the results: the sampler, given the recorded results batch by batch, proposes the recorded params.
    const parsed = parsePipelineSpec(spec);
    if (!parsed.ok) throw new Error('spec');
    const finished: SearchedTrial[] = [];
    for (let index = 0; index < 14; index += 2) {
      const batch: Pick<SearchedTrial, 'plan' | 'candidate'>[] = [];
      for (let j = 0; j < 2; j++) batch.push(proposeTrial(parsed.spec.training, finished, batch, index + j));
      batch.forEach((t, j) => {
        const recorded = first.trials[index + j];
        expect(t.plan.params, `trial ${index + j}`).toEqual(recorded.params);
        finished.push({ ...t, loss: -recorded.metrics.rocAuc, ...(recorded.prunedAtRound ? { prunedAtRound: recorded.prunedAtRound } : {}) });
      });
    }

    // The leaderboard ranks the pruned trials last; the model is the best of those that ran to their end.
    const ranks = first.leaderboard.map((e: any) => e.prunedAtRound !== null);
    expect(ranks).toEqual([...ranks].sort((a: boolean, b: boolean) => Number(a) - Number(b)));
    expect(first.modelVersion.params).toEqual(first.leaderboard[0].params);
    expect(first.leaderboard[0].prunedAtRound).toBeNull();
    expect(first.leaderboard.every((e: any) => e.fromHistory === false)).toBe(true);
    recordHistory(first.workflowId, 'tpe-with-median-pruning');

    // The registered version carries exact SHAP values on 1,000 of the test split's 1,200 rows (the most an evaluation explains), and so does its card.
    const { explanations } = first.modelVersion;
    expect(explanations).toMatchObject({ rows: 1000, of: 'yes', link: 'logit', skipped: null });
    expect(explanations.meanAbs.map((m: any) => m.feature).sort()).toEqual(claims().features.map((f) => f.name).sort());
    expect(explanations.meanAbs.map((m: any) => m.value)).toEqual([...explanations.meanAbs.map((m: any) => m.value)].sort((a: number, b: number) => b - a));
    expect(explanations.extremes.map((e: any) => e.rank)).toEqual(['highest', 'highest', 'highest', 'lowest', 'lowest', 'lowest']);
    expect(explanations.extremes[0].output).toBeGreaterThan(explanations.extremes[5].output);
    expect(explanations.dependence.map((d: any) => d.feature)).toEqual(explanations.meanAbs.map((m: any) => m.feature).filter((f: string) => claims().features.find((c) => c.name === f)!.kind === 'numeric').slice(0, 3));
    const { modelVersion } = await stack.api.data('query($id: ID!) { modelVersion(input: { id: $id }) { modelCard } }', { id: first.modelVersion.id });
    expect(modelVersion.modelCard).toContain('## Explanations (SHAP, 1000 test rows)');
    expect(modelVersion.modelCard).toContain(`| ${explanations.meanAbs[0].feature} | `);
    // Served with explain: true, a prediction's contributions add up to its log-odds.
    const { predict } = await stack.api.data('mutation($input: PredictInput!) { predict(input: $input) { probabilities explanation { of link base output contributions { value } } } }', { input: { model: 'claims-tpe', explain: true, inputs: [claims().rows[0]] } }, 'viewer@example.com');
    const [served] = predict;
    expect(served.explanation).toMatchObject({ of: 'yes', link: 'logit' });
    expect(1 / (1 + Math.exp(-served.explanation.output))).toBeCloseTo(served.probabilities.yes, 9);
    expect(served.explanation.contributions.reduce((a: number, c: any) => a + c.value, served.explanation.base)).toBeCloseTo(served.explanation.output, 9);
  });

  it('begins the next run of the model with the best configurations of the first, reused because the data is the same', { timeout: 240_000 }, async () => {
    const second = await submit({ ...spec, training: { ...spec.training, search: { ...(spec.training as any).search, warmStart: true } } } as PipelineSpecInput);
    expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
    const bestOfFirst = first.leaderboard.filter((e: any) => e.prunedAtRound === null).slice(0, 7);
    const seeded = second.trials.slice(0, 7);
    expect(seeded.map((t: any) => t.params)).toEqual(bestOfFirst.map((e: any) => e.params));
    const idOf = new Map(first.trials.map((t: any) => [t.index, t.id]));
    expect(seeded.map((t: any) => t.seededFromTrialId)).toEqual(bestOfFirst.map((e: any) => idOf.get(e.trialIndex)));
    // Until five curves give medians nothing is pruned, so the first six are the first run's trials, reused; the seventh
    // is held to the medians of the six best, and stopped where its curve crosses them, as any trial would be.
    expect(seeded.slice(0, 6).every((t: any) => t.reusedFromTrialId !== null)).toBe(true);
    expectPrunedByTheMedians(second.trials);
    expect(second.trials.slice(7).every((t: any) => t.seededFromTrialId === null)).toBe(true);
    expect(second.leaderboard.filter((e: any) => e.fromHistory)).toHaveLength(7);
    // After the seeds, the search draws numbers of its own: it never retries the first run's random start.
    const tried = new Set(first.trials.map((t: any) => JSON.stringify(t.params)));
    expect(second.trials.slice(7).filter((t: any) => tried.has(JSON.stringify(t.params)))).toEqual([]);
    recordHistory(second.workflowId, 'tpe-warm-started');
    warmStarted = second;
  });

  it('reproduces a warm-started run exactly: the same seeds (not what ran since), the same proposals, the same model', { timeout: 240_000 }, async () => {
    const { reproduce } = await stack.api.data('mutation($id: ID!) { reproduce(input: { runId: $id }) { id } }', { id: warmStarted.id });
    const read = async () => (await stack.api.data(`query($id: ID!) { pipelineRun(input: { runId: $id }) { status reproduction { identical } trials { params seededFromTrialId prunedAtRound } } }`, { id: reproduce.id })).pipelineRun;
    const copy = await eventually(read, (r) => r.reproduction?.identical !== null && r.reproduction?.identical !== undefined, 200_000);
    expect(copy.reproduction.identical).toBe(true);
    const shape = (trials: any[]) => trials.map((t) => ({ params: t.params, seededFromTrialId: t.seededFromTrialId, prunedAtRound: t.prunedAtRound }));
    expect(shape(copy.trials)).toEqual(shape(warmStarted.trials));
  });
});
