import type { BuiltInTrainer, PipelineSpec } from '../../domain/pipeline/spec.js';
import type { Params } from '../../domain/pipeline/search.js';

/** Thrown for parameters a trainer cannot take: bad input, never worth a retry. */
export class TrainerParamError extends Error {
  override readonly name = 'TrainerParamError';
}

type Value = number | string | boolean;
interface Rule {
  fallback: Value | ((task: PipelineSpec['task']) => Value);
  check: (value: Value) => boolean;
  rule: string;
}

const UNLIMITED = 1_000_000_000;
const int = (min: number, max: number) => (v: Value) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const real = (test: (v: number) => boolean) => (v: Value) => typeof v === 'number' && Number.isFinite(v) && test(v);
const bool = (v: Value) => typeof v === 'boolean';
const oneOf = (...values: string[]) => (v: Value) => typeof v === 'string' && values.includes(v);
const classWeight: Rule = { fallback: 'none', check: oneOf('none', 'balanced'), rule: 'none or balanced' };
const maxBins: Rule = { fallback: 255, check: int(2, 255), rule: 'a whole number from 2 to 255' };

/** Every parameter of every built-in trainer: its default, and what it may be. */
export const TRAINER_PARAMS: Record<BuiltInTrainer, Record<string, Rule>> = {
  'logistic-regression': {
    C: { fallback: 1, check: real((v) => v > 0), rule: 'a positive number (the inverse of the L2 strength)' },
    classWeight,
    maxIter: { fallback: 1000, check: int(1, 100_000), rule: 'a whole number from 1 to 100000' },
    tol: { fallback: 1e-6, check: real((v) => v > 0 && v < 1), rule: 'a number in (0, 1)' },
  },
  'linear-regression': {
    intercept: { fallback: true, check: bool, rule: 'true or false' },
  },
  'ridge-regression': {
    alpha: { fallback: 1, check: real((v) => v >= 0), rule: 'a number of at least 0 (the L2 strength)' },
    intercept: { fallback: true, check: bool, rule: 'true or false' },
  },
  'random-forest': {
    nEstimators: { fallback: 100, check: int(1, 1000), rule: 'a whole number from 1 to 1000' },
    maxDepth: { fallback: UNLIMITED, check: int(1, UNLIMITED), rule: 'a whole number of at least 1' },
    minSamplesSplit: { fallback: 2, check: int(2, UNLIMITED), rule: 'a whole number of at least 2' },
    minSamplesLeaf: { fallback: 1, check: int(1, UNLIMITED), rule: 'a whole number of at least 1' },
    maxFeatures: {
      fallback: (task) => (task === 'classification' ? 'sqrt' : 1),
      check: (v) => v === 'sqrt' || v === 'log2' || (typeof v === 'number' && v > 0 && (v <= 1 || Number.isInteger(v))),
      rule: 'sqrt, log2, a fraction in (0, 1] or a whole number of features',
    },
    bootstrap: { fallback: true, check: bool, rule: 'true or false' },
    classWeight,
    maxBins,
  },
  'gradient-boosting': {
    maxIter: { fallback: 100, check: int(1, 10_000), rule: 'a whole number from 1 to 10000' },
    learningRate: { fallback: 0.1, check: real((v) => v > 0 && v <= 1), rule: 'a number in (0, 1]' },
    maxLeafNodes: { fallback: 31, check: int(2, 4096), rule: 'a whole number from 2 to 4096' },
    maxDepth: { fallback: UNLIMITED, check: int(1, UNLIMITED), rule: 'a whole number of at least 1' },
    minSamplesLeaf: { fallback: 20, check: int(1, UNLIMITED), rule: 'a whole number of at least 1' },
    l2Regularization: { fallback: 0, check: real((v) => v >= 0), rule: 'a number of at least 0' },
    earlyStopping: { fallback: true, check: bool, rule: 'true or false (stops on the validation split)' },
    nIterNoChange: { fallback: 10, check: int(1, 1000), rule: 'a whole number from 1 to 1000' },
    validationTolerance: { fallback: 1e-7, check: real((v) => v >= 0), rule: 'a number of at least 0' },
    classWeight,
    maxBins,
  },
};

/** Names earlier versions took, read as today's: `numSteps` was the iteration cap, `minNumSamples` the split minimum. */
const RENAMED: Partial<Record<BuiltInTrainer, Record<string, string>>> = {
  'logistic-regression': { numSteps: 'maxIter' },
  'random-forest': { minNumSamples: 'minSamplesSplit' },
};
/** Taken by earlier versions' solvers and meaningless to today's; accepted so stored specs still train. */
const RETIRED: Partial<Record<BuiltInTrainer, string[]>> = { 'logistic-regression': ['learningRate'] };

/** The trainer's full parameters: the given ones checked, renamed ones mapped, defaults filled in. */
export function readParams(trainer: BuiltInTrainer, task: PipelineSpec['task'], given: Params): Params {
  const rules = TRAINER_PARAMS[trainer];
  const renamed = RENAMED[trainer] ?? {};
  const retired = RETIRED[trainer] ?? [];
  const out: Params = {};
  for (const [key, value] of Object.entries(given)) {
    if (retired.includes(key)) continue;
    const name = renamed[key] ?? key;
    const rule = rules[name];
    if (!rule) throw new TrainerParamError(`${trainer} does not take ${key}; it takes ${Object.keys(rules).join(', ')}`);
    // The earlier minNumSamples took 1 where today's minimum is 2: both mean "any node of two rows may split".
    const read = key === 'minNumSamples' && value === 1 ? 2 : value;
    if (!rule.check(read)) throw new TrainerParamError(`parameter ${key} must be ${rule.rule} (got ${JSON.stringify(value)})`);
    out[name] = read;
  }
  for (const [name, rule] of Object.entries(rules)) if (!(name in out)) out[name] = typeof rule.fallback === 'function' ? rule.fallback(task) : rule.fallback;
  return out;
}
