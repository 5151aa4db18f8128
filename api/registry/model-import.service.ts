import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import { NAME_PATTERN } from '../../domain/pipeline/spec.js';
import { inspectOnnx, OnnxImportError, type InspectedOnnx } from '../../ml/onnx/inspect.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import type { Caller } from '../access/principal.js';
import { auditRequest } from '../common/audit.js';
import { versionParam } from '../common/validate.js';
import { ARTIFACT_STORE, CONFIG, REPOSITORIES } from '../core/tokens.js';
import { limited, tooLarge } from '../datasets/datasets.service.js';
import { RegistryError } from './registry.error.js';

const invalid = (field: string, message: string) => new RegistryError('INVALID_INPUT', `${field} ${message}`, [{ path: field, message }]);

/** What `POST /v1/models/{name}/import` answers: the stored file and what it is, for a spec's `training.model`. */
export interface ImportedOnnx extends Omit<InspectedOnnx, 'inputs'> {
  model: string;
  sha256: string;
  sizeBytes: number;
  dataset: { name: string; version: number };
  target: string;
  inputs: { name: string; kind: string; type: string }[];
}

/**
 * Imports an ONNX file trained elsewhere: stores it (content-addressed) and checks it against the dataset it is to be
 * evaluated on, naming every mismatch (an input that is no column, a column of another kind, a matrix input, outputs
 * with no label or no class order). It registers nothing: a pipeline with `training: { trainer: imported, model:
 * <sha256> }` then evaluates and governs it as any other run (`custody models import` does both).
 */
@Injectable()
export class ModelImportService {
  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async import(name: string, query: { dataset?: string; target?: string; contentLength?: number }, body: Readable, caller: Caller): Promise<ImportedOnnx> {
    if (!NAME_PATTERN.test(name)) throw invalid('name', 'must be a model name: letters, digits, dots, dashes or underscores');
    const dataset = await this.dataset(query.dataset);
    const target = query.target;
    if (!target) throw invalid('query.target', 'is required: the column the model predicts');
    if (!dataset.columns.some((c) => c.name === target)) throw invalid('query.target', `is not a column of ${dataset.datasetName} v${dataset.version}`);
    const limit = this.config.security.uploadLimit;
    if (query.contentLength !== undefined && query.contentLength > limit) throw tooLarge(limit);
    const stored = await this.store.putStream(limited(body, limit));
    let inspected: InspectedOnnx;
    try {
      inspected = inspectOnnx(await this.store.read(stored.sha256), dataset.columns, target);
    } catch (error) {
      if (error instanceof OnnxImportError) throw new RegistryError('MODEL_NOT_IMPORTABLE', `The ONNX file cannot be imported for ${dataset.datasetName} v${dataset.version}: ${error.message}`, error.issues);
      throw error;
    }
    const answer: ImportedOnnx = { model: name, sha256: stored.sha256, sizeBytes: stored.sizeBytes, dataset: { name: dataset.datasetName, version: dataset.version }, target, ...inspected };
    await auditRequest(this.repos, caller, { action: 'model.imported', subjectType: 'model', subjectId: name, payload: { sha256: stored.sha256, producer: inspected.producer, dataset: answer.dataset, task: inspected.task } });
    return answer;
  }

  /** `NAME` (its latest version) or `NAME@VERSION`. */
  private async dataset(text: string | undefined) {
    const match = /^([^@]+)(?:@(.+))?$/.exec(text ?? '');
    if (!match) throw invalid('query.dataset', 'is required: NAME or NAME@VERSION, the data the model is evaluated on');
    const version = match[2] === undefined ? 'latest' : versionParam(match[2]);
    if (version === null) throw invalid('query.dataset', 'must be NAME or NAME@VERSION, the version a whole number from 1');
    const found = await this.repos.datasets.findVersion(match[1]!, version);
    if (!found) throw new RegistryError('DATASET_NOT_FOUND', `No dataset version ${text}`);
    return found;
  }
}
