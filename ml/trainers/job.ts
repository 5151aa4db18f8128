import type { PipelineSpec, PrivacySpec, TrainerName } from '../../domain/pipeline/spec.js';
import type { Params } from '../../domain/pipeline/search.js';
import type { ColumnKind, DatasetFormat } from '../../domain/data/profile.js';
import type { FeatureDecision } from '../features/pipeline.js';
import type { FeatureSection } from '../features/spec.js';
import type { SplitOptions } from './dataset-table.js';
import type { PrivacyReport } from '../privacy/dp-sgd.js';
import type { Pruning } from '../../domain/pipeline/pruning.js';

/** Everything that determines a trained model; its canonical hash is the trial's cache key. */
export interface TrainJob {
  datasetSha256: string;
  format: DatasetFormat;
  task: PipelineSpec['task'];
  target: string;
  features: { name: string; kind: ColumnKind }[];
  /** The spec's `features` section, when it has one (built-in trainers). */
  featureSection?: FeatureSection;
  split: SplitOptions;
  trainer: TrainerName;
  command?: string[];
  /** For the imported trainer: the sha256 of its ONNX file. */
  model?: string;
  /** Variables of the worker's environment a command trainer is given (training.environment.variables), when any. */
  variables?: string[];
  params: Params;
  seed: number;
  codeVersion: string;
  /** ARTIFACT_REVISION when the trial was trained (absent before there was one). */
  revision?: number;
  /** The short hash of the trial's environment (see environment.ts). */
  environment?: string;
  /** Set below 1 by successive halving: the share of training rows this trial sees. */
  sampleFraction?: number;
  /** DP-SGD settings (training.privacy), when the model is trained privately. */
  privacy?: PrivacySpec;
  /**
   * Median pruning (boosted trees): report the validation loss after every round and stop where `stopsAt` says.
   * Not part of the cache key: whether a cached trial fits is decided from its stored curve.
   */
  pruning?: Pruning;
}

/** What a training thread is sent: the job, and where the dataset's plaintext copy is. */
export interface TrainMessage {
  job: TrainJob;
  datasetPath: string;
}

export type ThreadResult =
  | { ok: true; artifactJson: string; metrics: Record<string, number>; featureDecisions?: FeatureDecision[]; privacy?: PrivacyReport; learningCurve?: number[]; prunedAtRound?: number }
  | { ok: false; errorType: string; message: string; retryable: boolean };
