import erfc from '@stdlib/math-base-special-erfc';
import erfcx from '@stdlib/math-base-special-erfcx';
import gammaln from '@stdlib/math-base-special-gammaln';

/**
 * Rényi-DP accounting for the Poisson-sampled Gaussian mechanism (DP-SGD's), after Mironov, Talwar and
 * Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (2019): log A_α for integer orders
 * by the binomial expansion, for fractional orders by the two-sided series of their Section 3.3; the
 * conversion to (ε, δ) is the improved bound of Canonne, Kamath and Steinke (2020, Prop. 12), as Google's
 * dp_accounting computes it. Checked against that library's published values in test/ml/privacy.
 */

/** The orders the accountant tries by default: fine steps near 1, integers up to 63, and a few large ones. */
export const DEFAULT_ORDERS: readonly number[] = [...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10), ...Array.from({ length: 52 }, (_, i) => 12 + i), 128, 256, 512];

const logAdd = (x: number, y: number): number => {
  const [a, b] = x < y ? [x, y] : [y, x];
  return a === -Infinity ? b : Math.log1p(Math.exp(a - b)) + b;
};

const logComb = (n: number, k: number): number => gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);

/** log(erfc(x)), accurate where erfc underflows (large x) through the scaled erfcx. */
function logErfc(x: number): number {
  return x < 5 ? Math.log(erfc(x)) : Math.log(erfcx(x)) - x * x;
}

function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  const log1mq = Math.log1p(-q);
  for (let i = 0; i <= alpha; i++) {
    const coefficient = logComb(alpha, i) + i * Math.log(q) + (alpha - i) * log1mq;
    logA = logAdd(logA, coefficient + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

const MAX_FRACTIONAL_TERMS = 1000;

function logAFrac(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const log1mq = Math.log1p(-q);
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  for (let i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
    const coefficient = logComb(alpha, i);
    const j = alpha - i;
    const logT0 = coefficient + i * Math.log(q) + j * log1mq;
    const logT1 = coefficient + j * Math.log(q) + i * log1mq;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    logA0 = logAdd(logA0, logS0);
    logA1 = logAdd(logA1, logS1);
    const total = logAdd(logA0, logA1);
    if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) return total;
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return Infinity; // did not converge: this order is left out of the minimum
}

/** RDP of one step of the Poisson-sampled Gaussian mechanism at each order (sampling rate q, noise multiplier σ). */
export function sampledGaussianRdp(q: number, noiseMultiplier: number, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`the sampling rate must be in [0, 1], got ${q}`);
  if (!(noiseMultiplier >= 0)) throw new RangeError(`the noise multiplier must not be negative, got ${noiseMultiplier}`);
  return orders.map((alpha) => {
    if (q === 0) return 0;
    if (!Number.isFinite(alpha) || noiseMultiplier === 0) return Infinity;
    if (q === 1) return alpha / (2 * noiseMultiplier * noiseMultiplier);
    const logA = Number.isInteger(alpha) ? logAInt(q, noiseMultiplier, alpha) : logAFrac(q, noiseMultiplier, alpha);
    return logA / (alpha - 1);
  });
}

/** The smallest ε at which the RDP curve gives (ε, δ)-DP, and the order that attains it. */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`δ must be in (0, 1), got ${delta}`);
  let best = { epsilon: Infinity, order: orders[0] ?? NaN };
  orders.forEach((alpha, i) => {
    const r = rdp[i]!;
    let epsilon: number;
    if (r < 0) epsilon = 0;
    else if (delta * delta + Math.expm1(-r) > 0) epsilon = 0;
    else if (alpha > 1.01) epsilon = r + Math.log1p(-1 / alpha) - Math.log(delta * alpha) / (alpha - 1);
    else epsilon = Infinity;
    if (epsilon < best.epsilon) best = { epsilon, order: alpha };
  });
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/** ε spent by `steps` steps of DP-SGD with sampling rate q and noise multiplier σ, at δ. */
export function dpSgdEpsilon(args: { samplingRate: number; noiseMultiplier: number; steps: number; delta: number; orders?: readonly number[] }): { epsilon: number; order: number } {
  const orders = args.orders ?? DEFAULT_ORDERS;
  const rdp = sampledGaussianRdp(args.samplingRate, args.noiseMultiplier, orders).map((r) => r * args.steps);
  return epsilonFromRdp(orders, rdp, args.delta);
}

/**
 * The smallest noise multiplier (to 0.1% of itself) whose ε at δ is at most `targetEpsilon` after `steps`
 * steps at sampling rate q: a doubling search for an upper bound, then bisection (ε falls as σ grows).
 */
export function noiseForEpsilon(args: { samplingRate: number; steps: number; delta: number; targetEpsilon: number }): { noiseMultiplier: number; epsilon: number } {
  if (!(args.targetEpsilon > 0)) throw new RangeError(`the target ε must be positive, got ${args.targetEpsilon}`);
  const epsilonAt = (sigma: number) => dpSgdEpsilon({ ...args, noiseMultiplier: sigma }).epsilon;
  let low = 0;
  let high = 1;
  while (epsilonAt(high) > args.targetEpsilon) {
    low = high;
    high *= 2;
    if (high > 1e4) throw new RangeError(`no noise multiplier up to 10,000 reaches ε ≤ ${args.targetEpsilon} in ${args.steps} steps at sampling rate ${args.samplingRate}`);
  }
  while (high - low > high * 1e-3) {
    const mid = (low + high) / 2;
    if (epsilonAt(mid) > args.targetEpsilon) low = mid;
    else high = mid;
  }
  return { noiseMultiplier: high, epsilon: epsilonAt(high) };
}
