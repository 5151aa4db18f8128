import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../domain/random.js';
import {
  type ArmEstimate,
  type Direction,
  type SequentialConfig,
  type SequentialState,
  START,
  armFromMoments,
  confidenceHalfWidth,
  logMixtureLikelihoodRatio,
  look,
  mixingVariance,
  plannedSamples,
  verdict,
} from '../../../domain/release/msprt.js';
import { PROJECT_ROOT } from '../../../paths.js';

// Reference values computed once with scipy 1.10 (quad, brentq, norm) and numpy; regenerate with
//   /usr/bin/python3 test/fixtures/msprt/generate.py
// Λ is integrated numerically there and the interval bounds root-found on it, independently of the closed forms here.
interface Moments {
  n: number;
  mean: number;
  variance: number;
}
const reference = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/msprt/reference.json'), 'utf8')) as {
  cases: { difference: number; variance: number; tau2: number; alpha: number; log_lr_quad: number; log_lr_closed: number; half_width: number }[];
  sequences: {
    name: string;
    tau2: number;
    alpha: number;
    min_samples: number;
    direction: Direction;
    looks: { champion: Moments; challenger: Moments; estimate: number; p_value: number; lower: number | null; upper: number | null; verdict: string }[];
  }[];
  plans: (Parameters<typeof plannedSamples>[0] & { expected: { champion: number; challenger: number } })[];
};
const RELATIVE = 1e-6;

/** Relative closeness, with a floor for values that are (nearly) zero. */
function expectClose(actual: number | null, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(RELATIVE * Math.abs(expected) + 1e-12);
}

describe('mSPRT against scipy', () => {
  it.each(reference.cases)('Λ for d=$difference, s²=$variance, τ²=$tau2 equals the integrated mixture', (c) => {
    const log = logMixtureLikelihoodRatio(c.difference, c.variance, c.tau2);
    // log-space difference ≈ relative difference of Λ itself.
    expect(Math.abs(Math.expm1(log - c.log_lr_quad))).toBeLessThanOrEqual(RELATIVE);
    expect(Math.abs(Math.expm1(log - c.log_lr_closed))).toBeLessThanOrEqual(RELATIVE);
  });

  it.each(reference.cases)('half width for s²=$variance, τ²=$tau2, alpha=$alpha is where Λ(θ0) = 1/alpha', (c) => {
    expectClose(confidenceHalfWidth(c.variance, c.tau2, c.alpha), c.half_width);
  });

  it.each(reference.sequences)('the looks of $name give scipy’s p-values, bounds and verdicts', (sequence) => {
    const config: SequentialConfig = { alpha: sequence.alpha, tau2: sequence.tau2, minSamples: sequence.min_samples };
    let state = START;
    sequence.looks.forEach((expected, i) => {
      const arm = (m: Moments): ArmEstimate => armFromMoments(m.n, m.mean, m.variance);
      state = look(state, arm(expected.champion), arm(expected.challenger), config);
      expect(state.looks).toBe(i + 1);
      expectClose(state.estimate, expected.estimate);
      expectClose(state.pValue, expected.p_value);
      expectClose(state.lower, expected.lower);
      expectClose(state.upper, expected.upper);
      expect(verdict(state, sequence.direction, config)).toBe(expected.verdict);
    });
  });

  it.each(reference.plans)('planned samples for MDE $minimumDetectableEffect, power $power, share $challengerShare match an exhaustive scan', (plan) => {
    const { expected, ...input } = plan;
    expect(plannedSamples(input)).toEqual(expected);
  });
});

/** Correctness counts of one arm so far. */
interface Tally {
  n: number;
  correct: number;
}

function draw(tally: Tally, count: number, accuracy: number, random: () => number): Tally {
  let correct = tally.correct;
  for (let i = 0; i < count; i++) if (random() < accuracy) correct++;
  return { n: tally.n + count, correct };
}

/** The arm's mean correctness with its unbiased sample variance. */
function estimateOf(tally: Tally): ArmEstimate {
  const mean = tally.correct / tally.n;
  return armFromMoments(tally.n, mean, (tally.correct * (tally.n - tally.correct)) / (tally.n * (tally.n - 1)));
}

interface Trial {
  promoted: boolean;
  rejected: boolean;
  /** A two-sided fixed-horizon z-test at 5%, checked at every look as if each were the last. */
  naiveRejected: boolean;
}

interface Experiment {
  accuracy: { champion: number; challenger: number };
  batch: { champion: number; challenger: number };
  planned: { champion: number; challenger: number };
  config: SequentialConfig;
}

/** One A/B test, looked at after every batch until both arms reach their planned samples. */
function monitor(experiment: Experiment, random: () => number): Trial {
  let champion: Tally = { n: 0, correct: 0 };
  let challenger: Tally = { n: 0, correct: 0 };
  let state = START;
  const trial: Trial = { promoted: false, rejected: false, naiveRejected: false };
  while (champion.n < experiment.planned.champion || challenger.n < experiment.planned.challenger) {
    champion = draw(champion, experiment.batch.champion, experiment.accuracy.champion, random);
    challenger = draw(challenger, experiment.batch.challenger, experiment.accuracy.challenger, random);
    const [a, b] = [estimateOf(champion), estimateOf(challenger)];
    state = look(state, a, b, experiment.config);
    const decided = verdict(state, 'higher', experiment.config);
    trial.promoted ||= decided === 'promote';
    trial.rejected ||= decided !== 'continue';
    const variance = a.estimateVariance + b.estimateVariance;
    trial.naiveRejected ||= variance > 0 && Math.abs(b.estimate - a.estimate) / Math.sqrt(variance) > 1.959964;
  }
  return trial;
}

function rates(experiment: Experiment, count: number, seed: number): { promoted: number; rejected: number; naive: number } {
  const random = seededRandom(seed);
  const trials = Array.from({ length: count }, () => monitor(experiment, random));
  const share = (pick: (trial: Trial) => boolean): number => trials.filter(pick).length / count;
  return { promoted: share((t) => t.promoted), rejected: share((t) => t.rejected), naive: share((t) => t.naiveRejected) };
}

const MDE = 0.05;
const ALPHA = 0.05;
const POWER = 0.8;
const BASE = 0.8;
const CONFIG: SequentialConfig = { alpha: ALPHA, tau2: mixingVariance(MDE), minSamples: 100 };
const plan = (challengerShare: number): { champion: number; challenger: number } =>
  plannedSamples({ minimumDetectableEffect: MDE, alpha: ALPHA, power: POWER, variance: BASE * (1 - BASE), challengerShare, tau2: CONFIG.tau2 });

function memo<T>(compute: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= compute());
}
const equalAA = memo(() => rates({ accuracy: { champion: BASE, challenger: BASE }, batch: { champion: 20, challenger: 20 }, planned: plan(0.5), config: CONFIG }, 500, 1));
const unequalAA = memo(() => rates({ accuracy: { champion: BASE, challenger: BASE }, batch: { champion: 28, challenger: 12 }, planned: plan(0.3), config: CONFIG }, 200, 2));

describe('mSPRT monitored after every batch (simulated correctness, p = 0.8, MDE 0.05, alpha 0.05, power 0.8)', () => {
  it('plans about 1,950 labelled samples per arm at 50/50', () => {
    expect(plan(0.5)).toEqual({ champion: 1947, challenger: 1947 });
  });

  it('promotes an identical challenger in at most alpha of 500 A/A tests (50/50), and rejects at most alpha', () => {
    const { promoted, rejected } = equalAA();
    expect(promoted).toBeLessThanOrEqual(ALPHA);
    expect(rejected).toBeLessThanOrEqual(ALPHA);
  });

  it('stays within alpha in 200 A/A tests with 30/70 allocation', () => {
    const { promoted, rejected } = unequalAA();
    expect(promoted).toBeLessThanOrEqual(ALPHA);
    expect(rejected).toBeLessThanOrEqual(ALPHA);
  });

  it('while a fixed-horizon z-test checked at every look on the same A/A data rejects far more often than alpha', () => {
    expect(equalAA().naive).toBeGreaterThan(2 * ALPHA);
    expect(unequalAA().naive).toBeGreaterThan(2 * ALPHA);
  });

  it('promotes a challenger better by the MDE in at least power − 0.05 of 200 tests, by the planned samples', () => {
    const { promoted } = rates({ accuracy: { champion: BASE, challenger: BASE + MDE }, batch: { champion: 20, challenger: 20 }, planned: plan(0.5), config: CONFIG }, 200, 3);
    expect(promoted).toBeGreaterThanOrEqual(POWER - 0.05);
  });
});

describe('mSPRT looks', () => {
  const config: SequentialConfig = { alpha: 0.05, tau2: 0.01, minSamples: 0 };
  /** A random walk of looks whose effect drifts, so that both the p-value and the bounds move. */
  function walk(count: number): SequentialState[] {
    const random = seededRandom(42);
    let champion: Tally = { n: 0, correct: 0 };
    let challenger: Tally = { n: 0, correct: 0 };
    const states = [START];
    for (let i = 0; i < count; i++) {
      champion = draw(champion, 25, 0.7, random);
      challenger = draw(challenger, 25, 0.74, random);
      states.push(look(states.at(-1)!, estimateOf(champion), estimateOf(challenger), config));
    }
    return states;
  }

  it('gives a non-increasing p-value and nested confidence intervals', () => {
    const states = walk(200);
    for (let i = 1; i < states.length; i++) {
      const [before, after] = [states[i - 1]!, states[i]!];
      expect(after.looks).toBe(i);
      expect(after.pValue).toBeLessThanOrEqual(before.pValue);
      expect(after.lower!).toBeGreaterThanOrEqual(before.lower ?? -Infinity);
      expect(after.upper!).toBeLessThanOrEqual(before.upper ?? Infinity);
    }
    expect(states.at(-1)!.pValue).toBeLessThan(0.05);
  });

  it('keeps its state JSON-serialisable: unbounded sides are null', () => {
    expect(JSON.parse(JSON.stringify(START))).toEqual({ looks: 0, pValue: 1, lower: null, upper: null, estimate: null });
    const state = walk(3).at(-1)!;
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('records looks below minSamples without letting them move the p-value or bounds', () => {
    const decisive = { alpha: 0.05, tau2: 0.01, minSamples: 100 };
    const early = look(START, { n: 50, estimate: 0.5, estimateVariance: 1e-4 }, { n: 50, estimate: 0.9, estimateVariance: 1e-4 }, decisive);
    expect(early).toEqual({ looks: 1, pValue: 1, lower: null, upper: null, estimate: expect.closeTo(0.4, 12) as number });
    expect(verdict(early, 'higher', decisive)).toBe('continue');
    const later = look(early, { n: 100, estimate: 0.5, estimateVariance: 1e-4 }, { n: 100, estimate: 0.9, estimateVariance: 1e-4 }, decisive);
    expect(verdict(later, 'higher', decisive)).toBe('promote');
  });

  it('skips the evidence of a look with zero estimator variance (no arm has varied yet)', () => {
    const state = look(START, { n: 20, estimate: 1, estimateVariance: 0 }, { n: 20, estimate: 1, estimateVariance: 0 }, config);
    expect(state).toEqual({ looks: 1, pValue: 1, lower: null, upper: null, estimate: 0 });
  });

  it('stays finite in log space however decisive a look is', () => {
    expect(logMixtureLikelihoodRatio(1, 1e-12, 1)).toBeCloseTo(1 / (2e-12 * (1 + 1e-12)) - 0.5 * Math.log1p(1e12), 3);
    const state = look(START, { n: 1e6, estimate: 0, estimateVariance: 1e-12 }, { n: 1e6, estimate: 1, estimateVariance: 1e-12 }, config);
    expect(state.pValue).toBe(0);
    expect(state.lower).toBeGreaterThan(0.99);
    expect(verdict(state, 'higher', config)).toBe('promote');
  });
});

describe('mSPRT verdicts', () => {
  const config: SequentialConfig = { alpha: 0.05, tau2: 0.01, minSamples: 0 };
  const state = (pValue: number, lower: number | null, upper: number | null): SequentialState => ({ looks: 10, pValue, lower, upper, estimate: 0 });

  it('promotes a higher-is-better metric whose sequence lies above 0 and rolls back one below', () => {
    expect(verdict(state(0.01, 0.02, 0.08), 'higher', config)).toBe('promote');
    expect(verdict(state(0.01, -0.08, -0.02), 'higher', config)).toBe('roll_back');
  });

  it('flips for a lower-is-better metric (log loss): a challenger − champion below 0 is the better side', () => {
    expect(verdict(state(0.01, -0.08, -0.02), 'lower', config)).toBe('promote');
    expect(verdict(state(0.01, 0.02, 0.08), 'lower', config)).toBe('roll_back');
  });

  it('continues while 0 is inside the sequence, before any evidence, or when p exceeds alpha', () => {
    expect(verdict(state(0.2, -0.01, 0.05), 'higher', config)).toBe('continue');
    expect(verdict(START, 'lower', config)).toBe('continue');
    expect(verdict(state(0.06, 0.01, 0.05), 'higher', config)).toBe('continue');
  });

  it('continues on an empty intersection whose crossed bounds straddle 0 (contradictory evidence)', () => {
    expect(verdict(state(0.001, 0.03, -0.01), 'higher', config)).toBe('continue');
    expect(verdict(state(0.001, 0.03, 0.01), 'higher', config)).toBe('promote');
  });
});

describe('mSPRT choices', () => {
  it('mixes over τ = MDE, which needs fewer samples than a τ half or twice as wide', () => {
    const total = (tau2: number): number => {
      const p = plannedSamples({ minimumDetectableEffect: MDE, alpha: ALPHA, power: POWER, variance: 0.16, challengerShare: 0.5, tau2 });
      return p.champion + p.challenger;
    };
    expect(mixingVariance(MDE)).toBeCloseTo(MDE ** 2, 15);
    expect(total(mixingVariance(MDE))).toBeLessThan(total(mixingVariance(MDE / 2)));
    expect(total(mixingVariance(MDE))).toBeLessThan(total(mixingVariance(MDE * 2)));
  });

  it('widens each look’s interval by the mixture’s ½·log((s² + τ²)/s²) beyond a fixed-horizon log(1/alpha)', () => {
    const [s2, tau2, alpha] = [1e-4, 2.5e-3, 0.05];
    const fixed = Math.sqrt((2 * s2 * (s2 + tau2)) / tau2 * Math.log(1 / alpha));
    expect(confidenceHalfWidth(s2, tau2, alpha)).toBeGreaterThan(fixed);
  });
});

describe('mSPRT argument checks', () => {
  const config: SequentialConfig = { alpha: 0.05, tau2: 0.01, minSamples: 0 };
  const arm: ArmEstimate = { n: 100, estimate: 0.8, estimateVariance: 0.0016 };
  const planInput = { minimumDetectableEffect: 0.05, alpha: 0.05, power: 0.8, variance: 0.16, challengerShare: 0.5, tau2: 0.0025 };

  it.each([
    ['n below 2', () => armFromMoments(1, 0.5, 0.25), /^n must be at least 2, got 1$/],
    ['negative variance', () => armFromMoments(10, 0.5, -0.1), /^variance must be non-negative, got -0.1$/],
    ['non-finite mean', () => armFromMoments(10, Number.NaN, 0.1), /^mean must be a finite number, got NaN$/],
    ['alpha of 1', () => look(START, arm, arm, { ...config, alpha: 1 }), /^alpha must lie strictly between 0 and 1, got 1$/],
    ['zero tau2', () => look(START, arm, arm, { ...config, tau2: 0 }), /^tau2 must be positive, got 0$/],
    ['negative minSamples', () => look(START, arm, arm, { ...config, minSamples: -1 }), /^minSamples must be non-negative/],
    ['a challenger of one sample', () => look(START, arm, { ...arm, n: 1 }, config), /^challenger\.n must be at least 2/],
    ['an infinite champion variance', () => look(START, { ...arm, estimateVariance: Infinity }, arm, config), /^champion\.estimateVariance must be a finite number/],
    ['power of 0', () => plannedSamples({ ...planInput, power: 0 }), /^power must lie strictly between 0 and 1, got 0$/],
    ['alpha above 1', () => plannedSamples({ ...planInput, alpha: 1.5 }), /^alpha must lie strictly between 0 and 1/],
    ['negative plan variance', () => plannedSamples({ ...planInput, variance: -0.16 }), /^variance must be positive/],
    ['a share of 1', () => plannedSamples({ ...planInput, challengerShare: 1 }), /^challengerShare must lie strictly between 0 and 1/],
    ['an infinite MDE', () => mixingVariance(Infinity), /^minimumDetectableEffect must be a finite number/],
    ['zero variance in the closed form', () => logMixtureLikelihoodRatio(0.1, 0, 1), /^variance must be positive/],
    ['alpha of 0 in the half width', () => confidenceHalfWidth(1, 1, 0), /^alpha must lie strictly between 0 and 1/],
  ])('throws a RangeError naming the argument for %s', (_name, call, message) => {
    expect(call).toThrow(RangeError);
    expect(call).toThrow(message);
  });
});
