import { fitFeatures, transformFeatures } from '../features/pipeline.js';
import type { FeatureSection } from '../features/spec.js';
import { matrix, type Matrix } from '../matrix.js';
import { seededRandom, shuffled } from '../../domain/random.js';
import { classWeights, fitLogistic, predictLogistic, type LogisticModel } from '../linear/logistic.js';
import { fitRidge, predictLinear, type LinearModel } from '../linear/ridge.js';
import { binMatrix } from '../trees/bins.js';
import { fitBoosting, predictBoosting, type BoostedModel } from '../trees/boosting.js';
import { fitForest, predictForest } from '../trees/forest.js';
import { decodeTree, encodeTree, type EncodedTree, type Tree } from '../trees/tree.js';
import type { BuiltInTrainer, PipelineSpec, PrivacySpec } from '../../domain/pipeline/spec.js';
import { fitLogisticDp } from '../privacy/dp-sgd.js';
import { noiseForEpsilon } from '../privacy/rdp-accountant.js';
import type { Params } from '../../domain/pipeline/search.js';
import type { ColumnKind } from '../../domain/data/profile.js';
import type { Row } from '../../storage/read-rows.js';
import type { Predictions } from '../metrics.js';
import { encodeRows, fitEncoding, type FeatureEncoding } from './encoding.js';
import { predictLegacy } from './legacy.js';
import { ENGINE, type BuiltInModelArtifact } from '../artifact.js';
import { readParams } from './params.js';

interface TrainInput {
  trainer: BuiltInTrainer;
  task: PipelineSpec['task'];
  rows: Row[];
  target: string;
  features: { name: string; kind: ColumnKind }[];
  params: Params;
  seed: number;
  /** The spec's `features` section, when it has one: generation and selection learned on these rows. */
  featureSection?: FeatureSection;
  /** training.privacy: the logistic regression is trained with DP-SGD instead of L-BFGS. */
  privacy?: PrivacySpec;
  onProgress?: (done: number, total: number) => void;
  /** Gradient boosting: rows whose loss is reported after every round, and whether to go on (pruning). */
  watch?: { rows: Row[]; onLoss: (round: number, loss: number) => 'continue' | 'stop' };
}

/** Whether a trainer's numeric inputs are standardised (for a penalised linear model the scale matters). */
export const STANDARDISED: ReadonlySet<BuiltInTrainer> = new Set(['logistic-regression']);

/**
 * Trains one built-in model on the rows with Custody's own learners (`ml/`), each checked against
 * scikit-learn's equivalent estimator on stored reference values. Deterministic given the seed, except a
 * private fit (`privacy`), whose lots and noise are fresh from a secure source every time.
 */
export function trainBuiltIn(input: TrainInput): BuiltInModelArtifact {
  const { trainer, task, rows, target, seed } = input;
  const params = readParams(trainer, task, input.params);
  const features = fitEncoding(rows, input.features);
  const classes = task === 'classification' ? [...new Set(rows.map((r) => String(r[target])))].sort() : undefined;
  const yClass = () => classIndices(rows, target, classes!);
  const yValue = () => Float64Array.from(rows, (r) => Number(r[target]));
  const featurePipeline = input.featureSection
    ? fitFeatures(rows, input.features, { y: task === 'classification' ? yClass() : yValue(), classification: task === 'classification' }, input.featureSection, STANDARDISED.has(trainer))
    : undefined;
  const X = featurePipeline ? transformFeatures(featurePipeline, rows) : encodedMatrix(rows, features, STANDARDISED.has(trainer));
  const weightsOf = (y: Int32Array) => (params.classWeight === 'balanced' ? classWeights(y, classes!.length, 'balanced') : undefined);
  let model: unknown;
  let report: Record<string, unknown>;
  switch (trainer) {
    case 'logistic-regression': {
      const y = yClass();
      if (input.privacy) {
        const fitted = fitPrivately(X, y, classes!.length, input.privacy, params.C as number);
        [model, report] = [fitted, { ...fitted.fit, privacy: fitted.privacy }];
        break;
      }
      const fitted = fitLogistic(X, y, classes!.length, { C: params.C as number, maxIterations: params.maxIter as number, tolerance: params.tol as number, sampleWeight: weightsOf(y) });
      // The inputs' training means: the baseline of the model's exact linear SHAP values (a private model keeps none).
      [model, report] = [{ ...fitted, means: columnMeans(X) }, { ...fitted.fit }];
      break;
    }
    case 'linear-regression':
    case 'ridge-regression': {
      const alpha = trainer === 'ridge-regression' ? (params.alpha as number) : 0;
      [model, report] = [{ ...fitRidge(X, yValue(), alpha, params.intercept as boolean), means: columnMeans(X) }, { solver: 'cholesky', alpha }];
      break;
    }
    case 'random-forest': {
      const y = task === 'classification' ? yClass() : null;
      const trees = fitForest(binMatrix(X, params.maxBins as number), y ? { kind: 'classes', y, classes: classes!.length } : { kind: 'values', y: yValue() }, {
        trees: params.nEstimators as number,
        maxDepth: params.maxDepth as number,
        minSamplesSplit: params.minSamplesSplit as number,
        minSamplesLeaf: params.minSamplesLeaf as number,
        maxFeatures: maxFeaturesOf(params.maxFeatures!, X.cols),
        bootstrap: params.bootstrap as boolean,
        seed,
        sampleWeight: y ? weightsOf(y) : undefined,
        onTree: (done) => input.onProgress?.(done, params.nEstimators as number),
      });
      [model, report] = [{ trees: trees.map(encodeTree) }, { trees: trees.length, nodes: trees.reduce((a, t) => a + t.feature.length, 0) }];
      break;
    }
    case 'gradient-boosting': {
      const y = task === 'classification' ? yClass() : yValue();
      const loss = task === 'regression' ? 'squared' : classes!.length === 2 ? 'binary' : 'multinomial';
      // Early stopping watches a tenth of the training rows held out here, as scikit-learn's
      // validation_fraction does: the validation split stays unseen, so trials are ranked fairly.
      const held = params.earlyStopping && rows.length >= 50 ? holdout(rows.length, 0.1, seed) : null;
      const fitOn = held ? held.fit : null;
      const fitted = fitBoosting(binMatrix(fitOn ? rowsOf(X, fitOn) : X, params.maxBins as number), fitOn ? pick(y, fitOn) : y, loss, classes?.length ?? 1, {
        maxIterations: params.maxIter as number,
        learningRate: params.learningRate as number,
        maxLeafNodes: params.maxLeafNodes as number,
        maxDepth: params.maxDepth as number,
        minSamplesLeaf: params.minSamplesLeaf as number,
        l2: params.l2Regularization as number,
        sampleWeight: y instanceof Int32Array ? weightsOf(fitOn ? pick(y, fitOn) : y) : undefined,
        earlyStopping: held ? { X: rowsOf(X, held.stop), y: pick(y, held.stop), patience: params.nIterNoChange as number, tolerance: params.validationTolerance as number } : undefined,
        onIteration: (done) => input.onProgress?.(done, params.maxIter as number),
        watch: input.watch && {
          X: featurePipeline ? transformFeatures(featurePipeline, input.watch.rows) : encodedMatrix(input.watch.rows, features, false),
          y: task === 'classification' ? classIndices(input.watch.rows, target, classes!) : Float64Array.from(input.watch.rows, (r) => Number(r[target])),
          onLoss: input.watch.onLoss,
        },
      });
      const { rounds, ...rest } = fitted;
      model = { ...rest, rounds: rounds.map((trees) => trees.map(encodeTree)) };
      report = { rounds: rounds.length, iterationsRun: fitted.iterationsRun, earlyStopping: held !== null, earlyStoppingRows: held?.stop.length ?? 0 };
      break;
    }
  }
  return { format: 'custody-model/v1', kind: 'builtin', engine: ENGINE, trainer, task, target, features, ...(featurePipeline ? { featurePipeline } : {}), classes, params: input.params, seed, model, report };
}

/** DP-SGD with the noise the settings give, or the least that meets their target ε on these rows. */
function fitPrivately(X: Matrix, y: Int32Array, classes: number, privacy: PrivacySpec, C: number) {
  const samplingRate = Math.min(1, privacy.batchSize / X.rows);
  const steps = Math.ceil((privacy.epochs * X.rows) / privacy.batchSize);
  const noiseMultiplier = privacy.noiseMultiplier ?? noiseForEpsilon({ samplingRate, steps, delta: privacy.delta, targetEpsilon: privacy.epsilon! }).noiseMultiplier;
  return fitLogisticDp(X, y, classes, { ...privacy, noiseMultiplier, C });
}

/** Predicts with a built-in artifact; classification includes class probabilities. */
export function predictBuiltIn(artifact: BuiltInModelArtifact, rows: Row[]): Predictions {
  if (artifact.engine !== ENGINE) return predictLegacy(artifact, rows);
  const X = inputMatrix(artifact, rows);
  const model = decoded(artifact);
  const classes = artifact.classes;
  const labelled = (probabilities: number[][]): Predictions => ({ values: probabilities.map((p) => classes![argmax(p)]!), probabilities, classes });
  switch (artifact.trainer) {
    case 'logistic-regression':
      return labelled(predictLogistic(model as LogisticModel, X));
    case 'linear-regression':
    case 'ridge-regression':
      return { values: predictLinear(model as LinearModel, X) };
    case 'random-forest': {
      const out = predictForest(model as Tree[], X).map((row) => Array.from(row));
      return artifact.task === 'regression' ? { values: out.map((row) => row[0]!) } : labelled(out);
    }
    case 'gradient-boosting': {
      const out = predictBoosting(model as BoostedModel, X);
      return artifact.task === 'regression' ? { values: out.map((row) => row[0]!) } : labelled(out);
    }
  }
}

/** The model's input matrix for rows: the fitted features section, or the stored encoding. */
export function inputMatrix(artifact: BuiltInModelArtifact, rows: Row[]): Matrix {
  return artifact.featurePipeline ? transformFeatures(artifact.featurePipeline, rows) : encodedMatrix(rows, artifact.features, STANDARDISED.has(artifact.trainer));
}

/** Decoded trees, kept per artifact object: a served model decodes its trees once, not per request. */
const decodedModels = new WeakMap<object, unknown>();
export function decoded(artifact: BuiltInModelArtifact): unknown {
  const key = artifact.model as object;
  if (!decodedModels.has(key)) {
    let value: unknown = artifact.model;
    if (artifact.trainer === 'random-forest') value = (artifact.model as { trees: EncodedTree[] }).trees.map(decodeTree);
    if (artifact.trainer === 'gradient-boosting') {
      const stored = artifact.model as Omit<BoostedModel, 'rounds'> & { rounds: EncodedTree[][] };
      value = { ...stored, rounds: stored.rounds.map((trees) => trees.map(decodeTree)) };
    }
    decodedModels.set(key, value);
  }
  return decodedModels.get(key);
}

function encodedMatrix(rows: Row[], features: FeatureEncoding[], standardise: boolean): Matrix {
  const encoded = encodeRows(rows, features, standardise);
  const cols = encoded[0]?.length ?? features.reduce((a, f) => a + (f.kind === 'numeric' ? 1 : f.categories!.length), 0);
  const data = new Float64Array(rows.length * cols);
  encoded.forEach((row, i) => data.set(row, i * cols));
  return matrix(rows.length, cols, data);
}

/** Each input column's mean over the rows: the baseline of an exact linear explanation. */
function columnMeans(X: Matrix): number[] {
  const sums = new Float64Array(X.cols);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) sums[j]! += X.data[i * X.cols + j]!;
  return Array.from(sums, (sum) => (X.rows ? sum / X.rows : 0));
}

function classIndices(rows: Row[], target: string, classes: string[]): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  return Int32Array.from(rows, (r) => index.get(String(r[target])) ?? 0);
}

/** A seeded split of row positions: `share` of them held out (`stop`), the rest to fit on, each in order. */
function holdout(rows: number, share: number, seed: number): { fit: Int32Array; stop: Int32Array } {
  const positions = shuffled(Array.from({ length: rows }, (_, i) => i), seededRandom(seed ^ 0x57a9));
  const count = Math.max(1, Math.round(rows * share));
  const sorted = (list: number[]) => Int32Array.from(list.sort((a, b) => a - b));
  return { stop: sorted(positions.slice(0, count)), fit: sorted(positions.slice(count)) };
}

function rowsOf(X: Matrix, positions: Int32Array): Matrix {
  const data = new Float64Array(positions.length * X.cols);
  positions.forEach((p, i) => data.set(X.data.subarray(p * X.cols, (p + 1) * X.cols), i * X.cols));
  return matrix(positions.length, X.cols, data);
}

function pick<T extends Int32Array | Float64Array>(values: T, positions: Int32Array): T {
  const out = new (values.constructor as new (n: number) => T)(positions.length);
  positions.forEach((p, i) => (out[i] = values[p]!));
  return out;
}

/** `sqrt`, `log2`, a fraction in (0, 1], or a whole number of features. */
function maxFeaturesOf(value: number | string | boolean, features: number): number {
  if (value === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(features)));
  if (value === 'log2') return Math.max(1, Math.floor(Math.log2(features)));
  const n = value as number;
  return n <= 1 ? Math.max(1, Math.floor(n * features)) : Math.min(features, n);
}

const argmax = (values: number[]) => values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);
