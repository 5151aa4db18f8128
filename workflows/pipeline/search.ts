import { seededRandom } from '../../domain/random.js';
import type { PipelineSpec } from './spec.js';

export type Params = Record<string, number | string | boolean>;

/**
 * The hyperparameter candidates of a spec: the cartesian product of a grid, or `trials` draws from
 * the space for random search, each merged over the fixed `params`. Deterministic given the spec.
 */
export function searchCandidates(training: PipelineSpec['training']): Params[] {
  const { search, params } = training;
  const entries = Object.entries(search.space);
  if (entries.length === 0) return [{ ...params }];
  if (search.strategy === 'grid') {
    let combos: Params[] = [{}];
    for (const [key, values] of entries) {
      const list = values as (number | string | boolean)[];
      combos = combos.flatMap((combo) => list.map((value) => ({ ...combo, [key]: value })));
    }
    return combos.map((combo) => ({ ...params, ...combo }));
  }
  const random = seededRandom(training.seed ^ 0x5eed);
  const out: Params[] = [];
  const seen = new Set<string>();
  // Draw until `trials` distinct candidates, or give up after enough tries on a small discrete space.
  for (let tries = 0; out.length < search.trials! && tries < search.trials! * 20; tries++) {
    const candidate: Params = { ...params };
    for (const [key, space] of entries) {
      if (Array.isArray(space)) {
        candidate[key] = space[Math.floor(random() * space.length)]!;
      } else {
        const u = random();
        let value = space.log ? Math.exp(Math.log(space.min) + u * (Math.log(space.max) - Math.log(space.min))) : space.min + u * (space.max - space.min);
        if (space.integer) value = Math.min(space.max, Math.floor(value + 0.5));
        else value = Number(value.toPrecision(6));
        candidate[key] = value;
      }
    }
    const key = JSON.stringify(candidate);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(candidate);
    }
  }
  return out;
}
