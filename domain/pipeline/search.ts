import { seededRandom } from '../random.js';
import { proposeValue, type Dimension, type Observation } from './tpe.js';
import { trainingCandidates, type PipelineSpec, type TrainerName, type TrainingCandidate } from './spec.js';

export type Params = Record<string, number | string | boolean>;

/** One configuration to train: a trainer (and its command) with its parameters. */
export interface TrialPlan {
  trainer: TrainerName;
  command?: string[];
  params: Params;
}

/**
 * Every configuration of a training section, candidate by candidate: the cartesian product of each
 * candidate's grid, or `trials` draws from its space (random and halving search), each merged over
 * the candidate's fixed params. Deterministic given the spec; the one-trainer form gives exactly
 * the configurations it always gave.
 */
export function searchTrials(training: PipelineSpec['training']): TrialPlan[] {
  return trainingCandidates(training).flatMap((candidate, i) =>
    configurations(candidate, training, i).map((params) => ({ trainer: candidate.trainer, ...(candidate.command ? { command: candidate.command } : {}), params })),
  );
}

function configurations(candidate: TrainingCandidate, training: PipelineSpec['training'], index: number): Params[] {
  const { search } = training;
  const { params, space } = candidate;
  const entries = Object.entries(space);
  if (entries.length === 0) return [{ ...params }];
  const drawn = search.strategy === 'random' || (search.strategy === 'halving' && search.trials !== undefined);
  if (!drawn) {
    let combos: Params[] = [{}];
    for (const [key, values] of entries) {
      const list = values as (number | string | boolean)[];
      combos = combos.flatMap((combo) => list.map((value) => ({ ...combo, [key]: value })));
    }
    return combos.map((combo) => ({ ...params, ...combo }));
  }
  // The first candidate keeps the stream the one-trainer form always used; the others get their own.
  const random = seededRandom((training.seed ^ 0x5eed) + index * 7919);
  const out: Params[] = [];
  const seen = new Set<string>();
  // Draw until `trials` distinct candidates, or give up after enough tries on a small discrete space.
  for (let tries = 0; out.length < search.trials! && tries < search.trials! * 20; tries++) {
    const candidateParams: Params = { ...params };
    for (const [key, range] of entries) {
      if (Array.isArray(range)) {
        candidateParams[key] = range[Math.floor(random() * range.length)]!;
      } else {
        const u = random();
        let value = range.log ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min))) : range.min + u * (range.max - range.min);
        if (range.integer) value = Math.min(range.max, Math.floor(value + 0.5));
        else value = Number(value.toPrecision(6));
        candidateParams[key] = value;
      }
    }
    const key = JSON.stringify(candidateParams);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(candidateParams);
    }
  }
  return out;
}

/**
 * The rungs of successive halving (Jamieson and Talwalkar, 2016; scikit-learn's HalvingRandomSearchCV
 * with rows as the resource): `configurations` are trained on a share of the training rows, the best
 * 1/eta go on to `eta` times the rows, until the last rung trains the survivors on all rows. No share
 * falls below `minRows` rows, so small datasets simply have fewer rungs.
 */
export function halvingRungs(configurations: number, eta: number, trainRows: number, minRows = 200): { fraction: number; keep: number }[] {
  const floor = Math.min(1, minRows / Math.max(1, trainRows));
  const rungs: { fraction: number; keep: number }[] = [];
  let alive = configurations;
  let steps = alive > 1 ? Math.ceil(Math.log(alive) / Math.log(eta) - 1e-9) : 0;
  while (steps > 0 && eta ** -steps < floor) steps--;
  for (let r = steps; r > 0 && alive > 1; r--) {
    const keep = Math.max(1, Math.floor(alive / eta));
    rungs.push({ fraction: eta ** -r, keep });
    alive = keep;
  }
  // The last rung trains the survivors on every row; once one survivor is left, it goes there at once.
  rungs.push({ fraction: 1, keep: 1 });
  return rungs;
}

/** A search as it will run: the configurations, the rungs they are trained in, and how many trials that makes. */
export interface SearchPlan {
  plans: TrialPlan[];
  rungs: { fraction: number; keep: number }[];
  /** Trials over every rung: all configurations in the first, then each rung's survivors. */
  total: number;
}

/** The search of a spec over a dataset of `rowCount` rows: what the workflow runs and what a run's progress counts. */
export function searchPlan(spec: Pick<PipelineSpec, 'training' | 'split'>, rowCount: number): SearchPlan {
  const { search } = spec.training;
  // A tpe search proposes each trial from the ones before it: nothing is planned ahead but how many.
  if (search.strategy === 'tpe') return { plans: [], rungs: [{ fraction: 1, keep: search.trials! }], total: search.trials! };
  const plans = searchTrials(spec.training);
  const trainRows = Math.floor(rowCount * (1 - spec.split.testFraction) * (1 - spec.split.validationFraction));
  const rungs = search.strategy === 'halving' ? halvingRungs(plans.length, search.eta ?? 3, trainRows) : [{ fraction: 1, keep: plans.length }];
  const total = rungs.reduce((n, _rung, r) => n + (r === 0 ? plans.length : rungs[r - 1]!.keep), 0);
  return { plans, rungs, total };
}

/** A trial of an adaptive search as the sampler sees it: its plan, its candidate, and (once finished) how it did. */
export interface SearchedTrial {
  plan: TrialPlan;
  candidate: number;
  /** Lower is better: the primary metric on the validation split, negated when higher is better. */
  loss: number;
  prunedAtRound?: number;
}

const CANDIDATE = '@candidate';

/**
 * The next trial of a tpe search: which candidate (when there are several), then each of its ranges and lists, from
 * every finished trial and the ones still running (counted as the worst). Its own random stream, from the seed and
 * the trial's number, so a trial's proposal depends only on the trials before it: the same on a replay, a resume or
 * another worker.
 */
export function proposeTrial(training: PipelineSpec['training'], finished: SearchedTrial[], running: Pick<SearchedTrial, 'plan' | 'candidate'>[], index: number, warmStarts = 0): Pick<SearchedTrial, 'plan' | 'candidate'> {
  const candidates = trainingCandidates(training);
  // A warm-started search draws other numbers than the run it started from, so it does not retry that run's random start.
  const random = seededRandom((Math.imul(training.seed ^ 0x7e5, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b) + Math.imul(warmStarts, 0xc2b2ae35)) >>> 0);
  const history = finished.map((t): Observation => ({ params: observed(candidates, t), loss: t.loss, ...(t.prunedAtRound !== undefined ? { prunedAtRound: t.prunedAtRound } : {}) }));
  const liars = running.map((t) => observed(candidates, t));
  const choices = candidates.map((_, i) => i);
  const candidate = candidates.length > 1 ? (proposeValue(CANDIDATE, { kind: 'categorical', choices }, history, liars, random) as number) : 0;
  const chosen = candidates[candidate]!;
  const params: Params = { ...chosen.params };
  for (const [key, range] of Object.entries(chosen.space)) params[key] = proposeValue(`${candidate}/${key}`, dimensionOf(range), history, liars, random);
  return { candidate, plan: { trainer: chosen.trainer, ...(chosen.command ? { command: chosen.command } : {}), params } };
}

/** A trial's searched values, named per candidate so one candidate's `maxDepth` never informs another's. */
function observed(candidates: TrainingCandidate[], trial: Pick<SearchedTrial, 'plan' | 'candidate'>): Params {
  const out: Params = { [CANDIDATE]: trial.candidate };
  for (const key of Object.keys(candidates[trial.candidate]?.space ?? {})) if (trial.plan.params[key] !== undefined) out[`${trial.candidate}/${key}`] = trial.plan.params[key]!;
  return out;
}

function dimensionOf(range: TrainingCandidate['space'][string]): Dimension {
  if (Array.isArray(range)) return { kind: 'categorical', choices: range };
  return { kind: 'numeric', min: range.min, max: range.max, integer: range.integer, log: range.log };
}

/**
 * Which candidate an earlier trial belongs to, if any: the same trainer, the same fixed params, and
 * every searched value inside this candidate's space (so a warm start never leaves the space it searches).
 */
export function candidateOf(training: PipelineSpec['training'], trial: { trainer: string; params: Record<string, unknown> }): number | null {
  const candidates = trainingCandidates(training);
  const matching = candidates.flatMap((c, i) => (c.trainer === trial.trainer && inCandidate(c, trial.params) ? [i] : []));
  // Two candidates it fits equally (two commands with the same params, say) cannot be told apart: neither is assumed.
  return matching.length === 1 ? matching[0]! : null;
}

function inCandidate(candidate: TrainingCandidate, params: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(candidate.params), ...Object.keys(candidate.space)]);
  if (Object.keys(params).some((key) => !keys.has(key))) return false;
  if (Object.entries(candidate.params).some(([key, value]) => key in candidate.space ? false : params[key] !== value)) return false;
  return Object.entries(candidate.space).every(([key, range]) => {
    const value = params[key];
    if (Array.isArray(range)) return range.includes(value as number | string | boolean);
    return typeof value === 'number' && value >= range.min && value <= range.max && (!range.integer || Number.isInteger(value));
  });
}
