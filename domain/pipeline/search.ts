import { seededRandom } from '../random.js';
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
  const plans = searchTrials(spec.training);
  const { search } = spec.training;
  const trainRows = Math.floor(rowCount * (1 - spec.split.testFraction) * (1 - spec.split.validationFraction));
  const rungs = search.strategy === 'halving' ? halvingRungs(plans.length, search.eta ?? 3, trainRows) : [{ fraction: 1, keep: plans.length }];
  const total = rungs.reduce((n, _rung, r) => n + (r === 0 ? plans.length : rungs[r - 1]!.keep), 0);
  return { plans, rungs, total };
}
