type Value = number | string | boolean;
type Params = Record<string, Value>;

/** One dimension of a search space: a numeric range (uniform or log, real or whole) or a list of choices. */
export type Dimension = { kind: 'numeric'; min: number; max: number; integer: boolean; log: boolean } | { kind: 'categorical'; choices: readonly Value[] };

/** A trial the sampler learns from. */
export interface Observation {
  params: Params;
  /** Lower is better: the primary metric, negated when higher is better. */
  loss: number;
  /** The round a pruned trial was stopped at; absent for a trial that ran to its end. */
  prunedAtRound?: number;
}

/**
 * The Tree-structured Parzen Estimator's settings, Optuna's defaults (3.x, univariate): random proposals
 * until 10 trials are known, then the best of 24 draws from l(x) by l(x)/g(x).
 */
export const TPE_SETTINGS = { startupTrials: 10, candidates: 24, priorWeight: 1 } as const;

/** How many of `n` trials form the good group: a tenth, at most 25 (Optuna's default gamma). */
export const goodCount = (n: number) => Math.min(Math.ceil(0.1 * n), 25);

/** Kernel weights by age, oldest first: equal below 25 trials, then a ramp up to the newest 25 (Optuna's default). */
export function ageWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (n - 26)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/**
 * The value of one dimension for the next trial (Bergstra et al., 2011). `history` holds the finished trials in
 * the order they were proposed; `running` the proposals not yet finished, counted as the worst (constant liar)
 * so a batch spreads out. Trials without this dimension (another candidate's) are left out of its estimators,
 * but still count towards the split, as in Optuna's independent sampler.
 */
export function proposeValue(name: string, dimension: Dimension, history: Observation[], running: Params[], random: () => number): Value {
  if (history.length < TPE_SETTINGS.startupTrials) return uniformValue(dimension, random);
  const ranked = rankedForSplit(history, running.length);
  const good = new Set(ranked.slice(0, goodCount(history.length)));
  const everyone = [...history.map((o) => o.params), ...running];
  const valuesOf = (inGood: boolean) => everyone.flatMap((params, i) => (good.has(i) === inGood && params[name] !== undefined ? [params[name]!] : []));
  const below = parzenEstimator(dimension, valuesOf(true));
  const above = parzenEstimator(dimension, valuesOf(false));
  let best: { value: Value; score: number } | undefined;
  for (let k = 0; k < TPE_SETTINGS.candidates; k++) {
    const value = below.sample(random);
    const score = below.logDensity(value) - above.logDensity(value);
    if (!best || score > best.score) best = { value, score };
  }
  return best!.value;
}

/**
 * Positions in `history` then `running`, best first: finished trials by loss, then pruned ones (later rounds first,
 * then by loss), then the running ones. Stable, so ties keep the order they were proposed in.
 */
function rankedForSplit(history: Observation[], running: number): number[] {
  const key = (o: Observation): [number, number] => [o.prunedAtRound === undefined ? -Infinity : -o.prunedAtRound, Number.isFinite(o.loss) ? o.loss : Infinity];
  const keys = [...history.map(key), ...Array.from({ length: running }, (): [number, number] => [Infinity, Infinity])];
  return keys
    .map((k, i) => ({ k, i }))
    .sort((a, b) => a.k[0] - b.k[0] || (a.k[1] === b.k[1] ? 0 : a.k[1] < b.k[1] ? -1 : 1) || a.i - b.i)
    .map((e) => e.i);
}

/** A uniform draw from the dimension (the startup trials, as Optuna's random sampler draws them). */
export function uniformValue(dimension: Dimension, random: () => number): Value {
  if (dimension.kind === 'categorical') return dimension.choices[Math.floor(random() * dimension.choices.length)]!;
  const { low, high } = boundsOf(dimension);
  return fromInternal(dimension, low + random() * (high - low));
}

export interface Estimator {
  sample(random: () => number): Value;
  logDensity(value: Value): number;
  /** A numeric estimator's kernels on the internal scale, prior last: what is compared with Optuna's. */
  kernels?(): { mus: number[]; sigmas: number[]; weights: number[] };
}

/** The Parzen estimator of one dimension over the values given, oldest first (what l(x) and g(x) each are). */
export function parzenEstimator(dimension: Dimension, values: Value[]): Estimator {
  return dimension.kind === 'categorical' ? categoricalEstimator(dimension.choices, values) : numericEstimator(dimension, values as number[]);
}

/** Mixture weights: one per observation by age, and the prior's, normalised. */
function mixtureWeights(n: number): number[] {
  const weights = [...ageWeights(n), TPE_SETTINGS.priorWeight];
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

function pickComponent(weights: number[], random: () => number): number {
  let u = random();
  for (let k = 0; k < weights.length - 1; k++) if ((u -= weights[k]!) < 0) return k;
  return weights.length - 1;
}

/** Each observation a categorical kernel (its choice plus a share of the prior), and the uniform prior itself. */
function categoricalEstimator(choices: readonly Value[], values: Value[]): Estimator {
  const n = values.length;
  const weights = mixtureWeights(n);
  const kernels = Array.from({ length: n + 1 }, (_, k) => {
    const row = new Array<number>(choices.length).fill(TPE_SETTINGS.priorWeight / (n + 1));
    if (k < n) row[Math.max(0, choices.indexOf(values[k]!))]! += 1;
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((p) => p / total);
  });
  const mass = choices.map((_, c) => kernels.reduce((sum, row, k) => sum + weights[k]! * row[c]!, 0));
  return {
    sample: (random) => choices[pickComponent(kernels[pickComponent(weights, random)]!, random)]!,
    logDensity: (value) => Math.log(mass[choices.indexOf(value)] ?? 0),
  };
}

/**
 * A mixture of truncated normals on the dimension's internal scale (log for a log range; half a step beyond each
 * end for whole numbers): one per observation, its width the larger gap to a neighbour, clipped between a
 * hundredth of the range and the range ("magic clip"), and a prior as wide as the range at its middle.
 */
function numericEstimator(dimension: Extract<Dimension, { kind: 'numeric' }>, values: number[]): Estimator {
  const { low, high, step } = boundsOf(dimension);
  const mus = [...values.map((v) => toInternal(dimension, v)), (low + high) / 2];
  const n = values.length;
  const sigmas = neighbourWidths(mus.slice(0, n), low, high);
  const minSigma = (high - low) / Math.min(100, 1 + mus.length);
  const clipped = [...sigmas.map((s) => Math.min(high - low, Math.max(minSigma, s))), high - low];
  const weights = mixtureWeights(n);
  const logWeights = weights.map(Math.log);
  const logAccept = mus.map((mu, k) => logNormalMass((low - mu) / clipped[k]!, (high - mu) / clipped[k]!));
  return {
    kernels: () => ({ mus, sigmas: clipped, weights }),
    sample(random) {
      const k = pickComponent(weights, random);
      return fromInternal(dimension, truncatedNormal(mus[k]!, clipped[k]!, low, high, random));
    },
    logDensity(value) {
      const x = toInternal(dimension, value as number);
      const terms = mus.map((mu, k) => {
        const sigma = clipped[k]!;
        const density = step
          ? logNormalMass((Math.max(x - step / 2, low) - mu) / sigma, (Math.min(x + step / 2, high) - mu) / sigma)
          : -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
        return logWeights[k]! + density - logAccept[k]!;
      });
      return logSumExp(terms);
    },
  };
}

/** Each point's width: the larger gap to its neighbours among the points and the prior's middle, ends excluded. */
function neighbourWidths(points: number[], low: number, high: number): number[] {
  const all = [...points, (low + high) / 2];
  const order = all.map((_, i) => i).sort((a, b) => all[a]! - all[b]! || a - b);
  const sorted = [low, ...order.map((i) => all[i]!), high];
  const widths = new Array<number>(all.length);
  order.forEach((i, r) => {
    const s = r + 1;
    let width = Math.max(sorted[s]! - sorted[s - 1]!, sorted[s + 1]! - sorted[s]!);
    // Optuna's consider_endpoints=False: the outermost points look inwards only.
    if (sorted.length >= 4 && r === 0) width = sorted[2]! - sorted[1]!;
    if (sorted.length >= 4 && r === order.length - 1) width = sorted[sorted.length - 2]! - sorted[sorted.length - 3]!;
    widths[i] = width;
  });
  return widths.slice(0, points.length);
}

function boundsOf(dimension: Extract<Dimension, { kind: 'numeric' }>): { low: number; high: number; step?: number } {
  const { min, max, integer, log } = dimension;
  if (log) return integer ? { low: Math.log(min - 0.5), high: Math.log(max + 0.5) } : { low: Math.log(min), high: Math.log(max) };
  return integer ? { low: min - 0.5, high: max + 0.5, step: 1 } : { low: min, high: max };
}

function toInternal(dimension: Extract<Dimension, { kind: 'numeric' }>, value: number): number {
  return dimension.log ? Math.log(value) : value;
}

/** Back from the internal scale: whole numbers rounded and kept in range, reals to six significant digits. */
function fromInternal(dimension: Dimension, x: number): number {
  if (dimension.kind !== 'numeric') throw new Error('not a numeric dimension');
  const value = dimension.log ? Math.exp(x) : x;
  if (dimension.integer) return Math.min(dimension.max, Math.max(dimension.min, Math.round(value)));
  return Math.min(dimension.max, Math.max(dimension.min, Number(value.toPrecision(6))));
}

/** A normal draw kept inside [low, high] by rejection: every kernel's mean lies inside and its width is at most the range, so at least a third is kept. */
function truncatedNormal(mu: number, sigma: number, low: number, high: number, random: () => number): number {
  for (let tries = 0; tries < 1000; tries++) {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const x = mu + sigma * z;
    if (x >= low && x <= high) return x;
  }
  return Math.min(high, Math.max(low, mu));
}

function logSumExp(terms: number[]): number {
  const max = Math.max(...terms);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - max), 0));
}

/** log(Φ(b) − Φ(a)) for a < b, accurate in either tail. */
export function logNormalMass(a: number, b: number): number {
  if (a >= 0) return logNormalMass(-b, -a);
  if (b <= 0) {
    const upper = logNormalCdf(b);
    return upper + Math.log1p(-Math.exp(logNormalCdf(a) - upper));
  }
  return Math.log1p(-normalCdf(a) - normalCdf(-b));
}

/** log Φ(x): directly above −5, by the asymptotic series of Mills' ratio below it. */
export function logNormalCdf(x: number): number {
  if (x > -5) return Math.log(normalCdf(x));
  const x2 = x * x;
  return -0.5 * x2 - Math.log(-x) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - 1 / x2 + 3 / (x2 * x2) - 15 / (x2 * x2 * x2));
}

export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** The complementary error function (Chebyshev fit; relative error below 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
