/**
 * The mixture sequential probability ratio test (mSPRT) of Johari, Pekelis and Walsh, "Always Valid Inference:
 * Continuous Monitoring of A/B Tests" (2017; Operations Research 2022), in its normal-mixture form.
 *
 * An A/B test of a challenger model against the champion is looked at after every batch of labelled
 * predictions. A fixed-horizon test checked that often rejects a true null far more often than its alpha says;
 * the mSPRT's p-value and confidence sequence stay valid at whatever look one stops, so the release can act
 * on the first look that decides.
 *
 * At a look, the difference θ̂ = challenger − champion of a metric has estimator variance s² (the arms'
 * variances added) and is taken as N(θ, s²). Mixing the likelihood ratio against θ = 0 over θ ~ N(0, τ²) gives
 *
 *   Λ = sqrt(s² / (s² + τ²)) · exp(τ² θ̂² / (2 s² (s² + τ²))),
 *
 * a martingale under the null, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α. The always-valid p-value is the
 * running minimum of 1/Λ, and the confidence sequence is the running intersection of {θ0 : Λ(θ0) < 1/α}.
 *
 * Pure: no I/O, no clock, no randomness; states are plain JSON (Temporal payloads).
 */

/** Which way is better for the metric: accuracy `higher`, log loss or absolute error `lower`. */
export type Direction = 'higher' | 'lower';

/**
 * One arm at a look: its labelled samples, its estimate of the metric and that estimate's variance. A mean
 * of per-sample values comes from {@link armFromMoments}; an estimate with a variance of its own (ROC AUC
 * with Hanley–McNeil's) is given as it is.
 */
export interface ArmEstimate {
  n: number;
  estimate: number;
  estimateVariance: number;
}

export interface SequentialConfig {
  /** The chance, over the whole test and however often it is looked at, of a decision when the arms are equal. */
  alpha: number;
  /** Mixing variance τ² of the normal mixture over the effect, in the metric's units squared (see {@link mixingVariance}). */
  tau2: number;
  /** Looks before this many labelled samples in EACH arm are recorded but never decide. */
  minSamples: number;
}

/**
 * Where a test stands after its looks. Unbounded sides of the confidence sequence are `null` (not ±Infinity)
 * so that the state survives JSON.
 */
export interface SequentialState {
  looks: number;
  /** Always-valid p-value for "no difference": non-increasing over looks. */
  pValue: number;
  /** The (1 − alpha) confidence sequence for challenger − champion: it only ever narrows. */
  lower: number | null;
  upper: number | null;
  /** challenger − champion at the latest look; null before any. */
  estimate: number | null;
}

export const START: SequentialState = Object.freeze({ looks: 0, pValue: 1, lower: null, upper: null, estimate: null });

export type Verdict = 'promote' | 'roll_back' | 'continue';

/** An arm from n per-sample values' mean and unbiased variance: the mean's variance is variance / n. */
export function armFromMoments(n: number, mean: number, variance: number): ArmEstimate {
  atLeastTwo('n', n);
  finite('mean', mean);
  nonNegative('variance', variance);
  return { n, estimate: mean, estimateVariance: variance / n };
}

/**
 * log Λ for an observed `difference` with estimator `variance` s² against the null 0, mixing over N(0, tau2).
 * In log space so that a decisive look cannot overflow; log1p keeps precision when τ² ≪ s².
 */
export function logMixtureLikelihoodRatio(difference: number, variance: number, tau2: number): number {
  finite('difference', difference);
  positive('variance', variance);
  positive('tau2', tau2);
  return -0.5 * Math.log1p(tau2 / variance) + (tau2 * difference * difference) / (2 * variance * (variance + tau2));
}

/**
 * Half width of the look's own (1 − alpha) interval: the θ0 with Λ(θ0) < 1/α, solved for |θ̂ − θ0|. The
 * ½·log((s² + τ²)/s²) term is what a fixed-horizon interval lacks: it grows slowly with the samples and pays
 * for looking at every batch.
 */
export function confidenceHalfWidth(variance: number, tau2: number, alpha: number): number {
  positive('variance', variance);
  positive('tau2', tau2);
  probability('alpha', alpha);
  const ratio = tau2 / variance;
  return Math.sqrt(2 * variance * (1 + 1 / ratio) * (Math.log(1 / alpha) + 0.5 * Math.log1p(ratio)));
}

/**
 * Takes one look: the p-value is the running minimum of 1/Λ (capped at 1) and the bounds the running
 * intersection of each look's interval. A look with fewer than `minSamples` in either arm, or with zero
 * estimator variance (an arm whose metric has not varied yet, so the normal model cannot weigh it), is
 * counted and its estimate kept, but leaves the p-value and bounds alone: skipping looks can only make the
 * test more conservative. Should the intersection ever come out empty (lower > upper: the effect is not the
 * constant the test assumes, which under its model has chance at most alpha), the crossed bounds are kept as
 * computed, so that it shows; {@link verdict} then decides only if both bounds lie on the same side of 0.
 */
export function look(state: SequentialState, champion: ArmEstimate, challenger: ArmEstimate, config: SequentialConfig): SequentialState {
  checkConfig(config);
  checkArm('champion', champion);
  checkArm('challenger', challenger);
  const estimate = challenger.estimate - champion.estimate;
  const variance = champion.estimateVariance + challenger.estimateVariance;
  const counted = { ...state, looks: state.looks + 1, estimate };
  if (Math.min(champion.n, challenger.n) < config.minSamples || variance === 0) return counted;
  const inverseRatio = Math.exp(-logMixtureLikelihoodRatio(estimate, variance, config.tau2));
  const halfWidth = confidenceHalfWidth(variance, config.tau2, config.alpha);
  return {
    ...counted,
    pValue: Math.min(1, state.pValue, inverseRatio),
    lower: Math.max(state.lower ?? -Infinity, estimate - halfWidth),
    upper: Math.min(state.upper ?? Infinity, estimate + halfWidth),
  };
}

/**
 * `promote` when the confidence sequence lies wholly on the better side of 0, `roll_back` when wholly on the
 * worse side, else `continue`. The p-value is required to be at most alpha as well: the two say the same
 * thing, and asking both keeps a state's rounding at the boundary (or one built with another alpha) from
 * deciding on the bounds alone.
 */
export function verdict(state: SequentialState, direction: Direction, config: SequentialConfig): Verdict {
  probability('alpha', config.alpha);
  const above = state.lower !== null && state.lower > 0;
  const below = state.upper !== null && state.upper < 0;
  if (state.pValue > config.alpha || above === below) return 'continue';
  return above === (direction === 'higher') ? 'promote' : 'roll_back';
}

/**
 * τ² = MDE², i.e. mix over effects about as large as the one the test is planned to find. For a look whose
 * difference equals the MDE δ, log Λ is largest at τ² = δ² − s² (its derivative in τ² vanishes there), and
 * near the planned horizon δ/s ≈ 4 (alpha 0.05, power 0.8), so that optimum is δ²(1 − 1/16) ≈ δ². Judged by
 * {@link plannedSamples} the best τ is a little narrower (≈ 0.75·δ, since the final look must clear its
 * threshold at a difference below δ), yet τ = δ needs only about 1% more samples, against 25% more for δ/4 and
 * 20% more for 4δ; it also needs no horizon in advance. (The paper picks τ² to minimise the expected stopping
 * time under a prior on effects; with the effect pinned to the MDE this is that choice, near enough.)
 */
export function mixingVariance(minimumDetectableEffect: number): number {
  positive('minimumDetectableEffect', minimumDetectableEffect);
  return minimumDetectableEffect ** 2;
}

export interface PlanInput {
  minimumDetectableEffect: number;
  alpha: number;
  power: number;
  /** Per-sample variance of the metric in each arm, e.g. p(1 − p) for correctness. */
  variance: number;
  /** Share of labelled samples in the challenger arm, 0 < share < 1. */
  challengerShare: number;
  tau2: number;
}

/**
 * Labelled samples per arm by which the mSPRT promotes, with at least `power`, a challenger better by the
 * MDE δ. At a total N (split by the share, each arm rounded up), s_N² = σ²/n_champion + σ²/n_challenger and
 * the final look alone promotes when θ̂ > w_N (its half width), which for θ̂ ~ N(δ, s_N²) happens with chance
 * Φ((δ − w_N)/s_N). Earlier looks only add promotions, so requiring that chance ≥ power is conservative. The
 * chance rises with N (δ/s_N grows like √N, w_N/s_N only like √log N), so the least such N is found by
 * doubling, then bisection.
 */
export function plannedSamples(input: PlanInput): { champion: number; challenger: number } {
  checkPlan(input);
  const meets = (total: number): boolean => {
    const arms = split(total, input.challengerShare);
    const variance = input.variance / arms.champion + input.variance / arms.challenger;
    const halfWidth = confidenceHalfWidth(variance, input.tau2, input.alpha);
    return normalCdf((input.minimumDetectableEffect - halfWidth) / Math.sqrt(variance)) >= input.power;
  };
  let [fails, meetsAt] = [1, 2];
  while (!meets(meetsAt)) {
    if (meetsAt > Number.MAX_SAFE_INTEGER / 2) throw new RangeError('plannedSamples: the power cannot be reached');
    [fails, meetsAt] = [meetsAt, meetsAt * 2];
  }
  while (meetsAt - fails > 1) {
    const middle = Math.floor((fails + meetsAt) / 2);
    if (meets(middle)) meetsAt = middle;
    else fails = middle;
  }
  return split(meetsAt, input.challengerShare);
}

/** A total split by the challenger's share, each arm rounded up and given at least 2 samples (a variance needs them). */
function split(total: number, challengerShare: number): { champion: number; challenger: number } {
  return { champion: Math.max(2, Math.ceil(total * (1 - challengerShare))), challenger: Math.max(2, Math.ceil(total * challengerShare)) };
}

/**
 * Φ through erfc's Chebyshev fit (Numerical Recipes' erfcc, fractional error below 1.2e-7 everywhere): ample
 * for a sample size, and domain/ imports no maths library.
 */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const poly = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
  const erfc = t * Math.exp(-z * z + poly.reduceRight((sum, c) => c + t * sum, 0));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

function checkConfig(config: SequentialConfig): void {
  probability('alpha', config.alpha);
  positive('tau2', config.tau2);
  nonNegative('minSamples', config.minSamples);
}

function checkArm(name: string, arm: ArmEstimate): void {
  atLeastTwo(`${name}.n`, arm.n);
  finite(`${name}.estimate`, arm.estimate);
  nonNegative(`${name}.estimateVariance`, arm.estimateVariance);
}

function checkPlan(input: PlanInput): void {
  positive('minimumDetectableEffect', input.minimumDetectableEffect);
  probability('alpha', input.alpha);
  probability('power', input.power);
  positive('variance', input.variance);
  probability('challengerShare', input.challengerShare);
  positive('tau2', input.tau2);
}

function finite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

function nonNegative(name: string, value: number): void {
  finite(name, value);
  if (value < 0) throw new RangeError(`${name} must be non-negative, got ${value}`);
}

function positive(name: string, value: number): void {
  finite(name, value);
  if (value <= 0) throw new RangeError(`${name} must be positive, got ${value}`);
}

function atLeastTwo(name: string, value: number): void {
  finite(name, value);
  if (value < 2) throw new RangeError(`${name} must be at least 2, got ${value}`);
}

function probability(name: string, value: number): void {
  finite(name, value);
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must lie strictly between 0 and 1, got ${value}`);
}
