import type { BuiltInTrainer, PipelineSpec } from '../domain/pipeline/spec.js';
import type { Params } from '../domain/pipeline/search.js';
import type { ColumnKind } from '../domain/data/profile.js';
import type { FittedFeatures } from './features/pipeline.js';
import type { FeatureEncoding } from './trainers/encoding.js';

/**
 * The portable model artifact: a JSON document, stored content-addressed, holding everything needed to
 * predict without the training run: the input encoding, the classes and the library's own model JSON.
 */
/** The learners of `ml/`; an artifact without `engine` was trained by the earlier libraries. */
export const ENGINE = 'custody-ml/2';

/**
 * What a built-in artifact holds, beyond its predictions: part of every trial's cache key, so a trial never reuses an
 * artifact that lacks it. 2: each tree's covers and a linear model's input means, which explanations need.
 */
export const ARTIFACT_REVISION = 2;

export interface BuiltInModelArtifact {
  format: 'custody-model/v1';
  kind: 'builtin';
  engine?: typeof ENGINE;
  trainer: BuiltInTrainer;
  task: PipelineSpec['task'];
  target: string;
  features: FeatureEncoding[];
  /** The fitted `features` section, when the spec had one: how every row becomes the model's inputs. */
  featurePipeline?: FittedFeatures;
  classes?: string[];
  params: Params;
  seed: number;
  model: unknown;
  /** How the fit went: solver iterations and convergence, trees grown, boosting rounds kept. */
  report?: Record<string, unknown>;
}

/** A model trained by an external command: its own file (stored by hash) plus how to call it to predict. */
export interface CommandModelArtifact {
  format: 'custody-model/v1';
  kind: 'command';
  command: string[];
  modelSha256: string;
  task: PipelineSpec['task'];
  target: string;
  features: { name: string; kind: ColumnKind }[];
  classes?: string[];
  params: Params;
  seed: number;
  /** Variables of the worker's or server's environment the command is given (training.environment.variables); absent when none. */
  variables?: string[];
}

/**
 * A model trained elsewhere and imported as an ONNX file (stored by hash), predicted with in onnxruntime: which of
 * its inputs takes which column, and which outputs hold the label and the probabilities.
 */
export interface OnnxModelArtifact {
  format: 'custody-model/v1';
  kind: 'onnx';
  modelSha256: string;
  task: PipelineSpec['task'];
  target: string;
  features: { name: string; kind: ColumnKind }[];
  /** The graph's inputs, one per feature: the element type and rank ([N] or [N, 1]) each takes. */
  inputs: { name: string; type: 'float' | 'double' | 'int64' | 'string'; rank: 1 | 2 }[];
  outputs: { label: string; probabilities?: string };
  classes?: string[];
  /** The program that wrote the file (its producer_name and producer_version). */
  producer: { name: string; version: string };
  params: Params;
  seed: number;
}

export type ModelArtifact = BuiltInModelArtifact | CommandModelArtifact | OnnxModelArtifact;


export function parseArtifact(bytes: Buffer): ModelArtifact {
  const artifact = JSON.parse(bytes.toString('utf8')) as ModelArtifact;
  if (artifact.format !== 'custody-model/v1') throw new Error(`unknown model artifact format ${String(artifact.format)}`);
  return artifact;
}
