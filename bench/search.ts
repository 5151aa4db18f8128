import { classificationMetrics } from '../ml/metrics.js';
import type { Row } from '../storage/read-rows.js';
import { predictBuiltIn, trainBuiltIn } from '../ml/trainers/built-in.js';
import { sampleRows } from '../ml/trainers/dataset-table.js';
import { claims, splitOf } from './datasets.js';
import { halvingRungs, searchTrials, type TrialPlan } from '../domain/pipeline/search.js';
import { parsePipelineSpec } from '../domain/pipeline/spec.js';

export interface SearchFigures {
  configurations: number;
  trainRows: number;
  full: { seconds: number; fits: number; validationAuc: number; testAuc: number };
  halving: { seconds: number; fits: number; rowShare: number; validationAuc: number; testAuc: number; rungs: string };
}

/**
 * 50 gradient-boosting configurations drawn at random on the claims set, searched two ways with the
 * workflow's own plan (searchTrials, halvingRungs): every configuration fitted on all training rows,
 * against successive halving. Training time is summed over fits, as the trials' compute.
 */
export function searchBench(configurations = 50): SearchFigures {
  const dataset = claims();
  const split = splitOf(dataset);
  const parsed = parsePipelineSpec({
    name: 'bench',
    dataset: { name: 'claims' },
    task: 'classification',
    target: dataset.target,
    training: {
      trainer: 'gradient-boosting',
      seed: 5,
      search: {
        strategy: 'halving',
        trials: configurations,
        space: { learningRate: { min: 0.01, max: 0.5, log: true }, maxLeafNodes: [7, 15, 31, 63], minSamplesLeaf: [5, 20, 50], l2Regularization: [0, 1, 10], maxIter: [50, 100, 200] },
      },
    },
    evaluation: { primaryMetric: 'rocAuc' },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const plans = searchTrials(parsed.spec.training);
  const auc = (plan: TrialPlan, train: Row[], scored: Row[]) => {
    const artifact = trainBuiltIn({ trainer: 'gradient-boosting', task: 'classification', rows: train, target: dataset.target, features: dataset.features, params: plan.params, seed: 5 });
    return classificationMetrics(scored.map((r) => String(r[dataset.target])), predictBuiltIn(artifact, scored)).rocAuc!;
  };
  const best = (scored: { plan: TrialPlan; value: number }[]) => scored.reduce((a, b) => (b.value > a.value ? b : a));

  let t = performance.now();
  const everyOne = best(plans.map((plan) => ({ plan, value: auc(plan, split.train, split.validation) })));
  const fullSeconds = (performance.now() - t) / 1000;

  t = performance.now();
  const rungs = halvingRungs(plans.length, 3, split.train.length);
  let alive = plans;
  let fits = 0;
  let rowShare = 0;
  let scored: { plan: TrialPlan; value: number }[] = [];
  for (const rung of rungs) {
    const rows = rung.fraction < 1 ? sampleRows(split.train, rung.fraction, 5) : split.train;
    scored = alive.map((plan) => ({ plan, value: auc(plan, rows, split.validation) })).sort((a, b) => b.value - a.value);
    fits += alive.length;
    rowShare += alive.length * rung.fraction;
    alive = scored.slice(0, rung.keep).map((s) => s.plan);
  }
  const halvingSeconds = (performance.now() - t) / 1000;
  const winner = scored[0]!;
  return {
    configurations: plans.length,
    trainRows: split.train.length,
    full: { seconds: fullSeconds, fits: plans.length, validationAuc: everyOne.value, testAuc: auc(everyOne.plan, split.train, split.test) },
    halving: {
      seconds: halvingSeconds,
      fits,
      rowShare,
      validationAuc: winner.value,
      testAuc: auc(winner.plan, split.train, split.test),
      rungs: rungs.map((r) => `${Number((r.fraction * 100).toPrecision(3))}%`).join(' → '),
    },
  };
}

export function searchSection(search: SearchFigures): string {
  return `## Search: successive halving

${search.configurations} gradient-boosting configurations drawn at random (learning rate, leaves, leaf size, L2, rounds) on the claims set (${search.trainRows.toLocaleString('en')} training rows), searched with the workflow's own plan. Baseline: every configuration fitted on all training rows. Halving trains them on ${search.halving.rungs} of the rows, keeping the best third after each rung. Training time is summed over the fits, as the trials' compute; AUC is of the chosen configuration, refitted on all training rows, on the validation and the test split.

| | fits | rows trained, in full fits | seconds | validation AUC | test AUC |
| --- | --- | --- | --- | --- | --- |
| every configuration in full (baseline) | ${search.full.fits} | ${search.full.fits} | ${search.full.seconds.toFixed(1)} | ${search.full.validationAuc.toFixed(4)} | ${search.full.testAuc.toFixed(4)} |
| successive halving | ${search.halving.fits} | ${search.halving.rowShare.toFixed(1)} | ${search.halving.seconds.toFixed(1)} | ${search.halving.validationAuc.toFixed(4)} | ${search.halving.testAuc.toFixed(4)} |
| **ratio (halving / baseline)** | | ${(search.halving.rowShare / search.full.fits).toFixed(2)} | **${(search.halving.seconds / search.full.seconds).toFixed(2)}×** | | |
`;
}
