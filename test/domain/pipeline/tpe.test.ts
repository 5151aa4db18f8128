import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../domain/random.js';
import { ageWeights, goodCount, logNormalMass, parzenEstimator, proposeValue, uniformValue, type Dimension, type Observation } from '../../../domain/pipeline/tpe.js';
import { candidateOf, proposeTrial, type SearchedTrial } from '../../../domain/pipeline/search.js';
import { parsePipelineSpec, type PipelineSpec } from '../../../domain/pipeline/spec.js';

const reference = JSON.parse(readFileSync(new URL('../../fixtures/tpe/parzen.json', import.meta.url), 'utf8')) as {
  cases: { name: string; dimension: Dimension; observations: (number | string)[]; points: (number | string)[]; kernels?: { mus: number[]; sigmas: number[]; weights: number[] }; logDensity: number[] }[];
};

describe("the Parzen estimator, against Optuna's", () => {
  for (const c of reference.cases) {
    it(`has Optuna 3.1's kernels and the mixture's density: ${c.name}`, () => {
      const estimator = parzenEstimator(c.dimension, c.observations);
      if (c.kernels) {
        const kernels = estimator.kernels!();
        (['mus', 'sigmas', 'weights'] as const).forEach((key) => kernels[key].forEach((v, i) => expect(v, `${key}[${i}]`).toBeCloseTo(c.kernels![key][i]!, 9)));
      }
      c.points.forEach((point, i) => expect(estimator.logDensity(point), `at ${point}`).toBeCloseTo(c.logDensity[i]!, 5));
    });
  }

  it("splits and weighs trials as Optuna's defaults do", () => {
    expect([1, 9, 10, 11, 100, 300].map(goodCount)).toEqual([1, 1, 1, 2, 10, 25]);
    expect(ageWeights(3)).toEqual([1, 1, 1]);
    const weights = ageWeights(30);
    expect(weights).toHaveLength(30);
    expect(weights[0]).toBeCloseTo(1 / 30, 12);
    expect(weights[4]).toBeCloseTo(1, 12);
    expect(weights.slice(5)).toEqual(new Array(25).fill(1));
  });

  it('keeps a normal mass accurate far in either tail', () => {
    expect(Math.exp(logNormalMass(-1, 1))).toBeCloseTo(0.682689492, 6);
    // Φ(−30) − Φ(−31) and its mirror: about e^-454, far below what a double can hold as a difference.
    expect(logNormalMass(-31, -30)).toBeCloseTo(logNormalMass(30, 31), 9);
    expect(logNormalMass(-31, -30)).toBeCloseTo(-454.321, 2);
  });

  it('draws inside the range, whole numbers where the range is whole', () => {
    const random = seededRandom(3);
    const dimension: Dimension = { kind: 'numeric', min: 8, max: 128, integer: true, log: true };
    const estimator = parzenEstimator(dimension, [8, 9, 128]);
    for (let i = 0; i < 500; i++) {
      for (const value of [estimator.sample(random) as number, uniformValue(dimension, random) as number]) {
        expect(Number.isInteger(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(8);
        expect(value).toBeLessThanOrEqual(128);
      }
    }
  });
});

/** A smooth objective with its best at learningRate 0.05, maxLeafNodes 40 and the second of three choices. */
const toy = (p: Record<string, unknown>) => Math.log(p.learningRate as number / 0.05) ** 2 + ((p.maxLeafNodes as number) - 40) ** 2 / 400 + (p.loss === 'b' ? 0 : 0.5);
const space = { learningRate: { low: 0.001, high: 1, log: true }, maxLeafNodes: { low: 2, high: 256, type: 'int' }, loss: ['a', 'b', 'c'] };

function trainingOf(seed: number, strategy: 'tpe' | 'random', trials = 40): PipelineSpec['training'] {
  const parsed = parsePipelineSpec({ name: 'p', dataset: { name: 'd' }, task: 'classification', target: 'y', training: { trainer: 'gradient-boosting', seed, search: { strategy, trials, parallelism: 4, space } }, evaluation: { primaryMetric: 'rocAuc' } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec.training;
}

/** A tpe search as the workflow runs it: batches of `parallelism`, each proposed with the rest of its batch as liars. */
function search(training: PipelineSpec['training']): SearchedTrial[] {
  const finished: SearchedTrial[] = [];
  for (let index = 0; index < training.search.trials!; ) {
    const batch: Pick<SearchedTrial, 'plan' | 'candidate'>[] = [];
    for (let j = 0; j < training.search.parallelism; j++) batch.push(proposeTrial(training, finished, batch, index + j));
    finished.push(...batch.map((t) => ({ ...t, loss: toy(t.plan.params) })));
    index += batch.length;
  }
  return finished;
}

describe('tpe search', () => {
  it('reads the space in either spelling, and proposes inside it', () => {
    const training = trainingOf(1, 'tpe');
    expect(training.search.space.maxLeafNodes).toEqual({ min: 2, max: 256, integer: true, log: false });
    for (const t of search(training)) {
      expect(Number.isInteger(t.plan.params.maxLeafNodes)).toBe(true);
      expect(t.plan.params.learningRate).toBeGreaterThanOrEqual(0.001);
      expect(['a', 'b', 'c']).toContain(t.plan.params.loss);
    }
  });

  it('proposes the same trials from the same seed and results, and others from another seed', () => {
    const plans = (seed: number) => search(trainingOf(seed, 'tpe')).map((t) => t.plan);
    expect(plans(7)).toEqual(plans(7));
    expect(plans(7)).not.toEqual(plans(8));
  });

  it('learns from its trials: over 15 seeds, its median best beats random search with the same budget by far', () => {
    const bests = (strategy: 'tpe' | 'random') =>
      Array.from({ length: 15 }, (_, seed) => {
        const trials = strategy === 'tpe' ? search(trainingOf(seed, 'tpe')) : randomTrials(trainingOf(seed, 'random'));
        return Math.min(...trials.map((t) => t.loss));
      }).sort((a, b) => a - b)[7]!;
    const [tpe, random] = [bests('tpe'), bests('random')];
    expect(tpe).toBeLessThan(random / 3);
  });

  it('spreads a batch: a running trial at the best point is counted as the worst, so proposals move away from it', () => {
    const dimension: Dimension = { kind: 'numeric', min: 0, max: 1, integer: false, log: false };
    const history: Observation[] = Array.from({ length: 20 }, (_, i) => ({ params: { x: i / 19 }, loss: Math.abs(i / 19 - 0.5) }));
    const distance = (running: number[]) => {
      let total = 0;
      for (let s = 0; s < 200; s++) total += Math.abs((proposeValue('x', dimension, history, running.map((x) => ({ x })), seededRandom(s)) as number) - 0.5);
      return total / 200;
    };
    expect(distance([0.5, 0.5, 0.5])).toBeGreaterThan(distance([]) * 1.5);
  });

  it('chooses among several candidates, each with its own space', () => {
    const parsed = parsePipelineSpec({
      name: 'p', dataset: { name: 'd' }, task: 'classification', target: 'y', evaluation: { primaryMetric: 'rocAuc' },
      training: { seed: 3, search: { strategy: 'tpe', trials: 30, parallelism: 2 }, candidates: [
        { trainer: 'logistic-regression', space: { C: { low: 0.01, high: 10, log: true } } },
        { trainer: 'gradient-boosting', params: { maxIter: 50 }, space: { learningRate: { low: 0.01, high: 0.3, log: true } } },
      ] },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const training = parsed.spec.training;
    // The boosted trees are far better here: once tpe has seen both, it keeps proposing them.
    const finished: SearchedTrial[] = [];
    for (let i = 0; i < 30; i++) {
      const t = proposeTrial(training, finished, [], i);
      expect(Object.keys(t.plan.params).sort()).toEqual(t.plan.trainer === 'gradient-boosting' ? ['learningRate', 'maxIter'] : ['C']);
      finished.push({ ...t, loss: t.plan.trainer === 'gradient-boosting' ? -0.9 : -0.6 });
    }
    expect(finished.slice(20).filter((t) => t.plan.trainer === 'gradient-boosting').length).toBeGreaterThanOrEqual(8);
    expect(candidateOf(training, { trainer: 'gradient-boosting', params: { maxIter: 50, learningRate: 0.1 } })).toBe(1);
    expect(candidateOf(training, { trainer: 'gradient-boosting', params: { maxIter: 60, learningRate: 0.1 } })).toBeNull();
    expect(candidateOf(training, { trainer: 'gradient-boosting', params: { maxIter: 50, learningRate: 0.5 } })).toBeNull();
    expect(candidateOf(training, { trainer: 'logistic-regression', params: { C: 1, tol: 0.1 } })).toBeNull();
  });
});

/** Random search's own draws, scored on the toy objective. */
function randomTrials(training: PipelineSpec['training']): { loss: number }[] {
  const random = seededRandom(training.seed);
  return Array.from({ length: training.search.trials! }, () => {
    const params = Object.fromEntries(Object.entries(training.search.space).map(([key, range]) => [key, Array.isArray(range) ? range[Math.floor(random() * range.length)] : uniformValue({ kind: 'numeric', ...range }, random)]));
    return { loss: toy(params) };
  });
}
