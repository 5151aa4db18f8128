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
import type { ImportModelInput } from './dto/registry.input.js';
import { RunsService } from '../runs/runs.service.js';
import type { PipelineRun } from '../runs/models/pipeline-run.model.js';
import type { DatasetVersionRow } from '../../db/schema/index.js';

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
 * Imports an ONNX file trained elsewhere: the upload stores it (content-addressed) and checks it against the dataset it
 * is to be evaluated on, naming every mismatch (an input that is no column, a column of another kind, a matrix input,
 * outputs with no label or no class order); `importModel` then starts a pipeline with `training: { trainer: imported,
 * model: <sha256> }` that evaluates and governs it as any other run (`custody models import` does both).
 */
@Injectable()
export class ModelImportService {
  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(CONFIG) private readonly config: Config,
    private readonly runs: RunsService,
  ) {}

  /** `POST /v1/models/{name}/import`: stores the file and checks it against the dataset; registers nothing. */
  async import(name: string, query: { dataset?: string; target?: string; contentLength?: number }, body: Readable, caller: Caller): Promise<ImportedOnnx> {
    if (!NAME_PATTERN.test(name)) throw invalid('name', 'must be a model name: letters, digits, dots, dashes or underscores');
    const dataset = await this.dataset(query.dataset, 'query.dataset');
    const target = this.target(query.target, dataset, 'query.target');
    const limit = this.config.security.uploadLimit;
    if (query.contentLength !== undefined && query.contentLength > limit) throw tooLarge(limit);
    const stored = await this.store.putStream(limited(body, limit));
    const answer = await this.inspected(name, stored.sha256, dataset, target);
    await auditRequest(this.repos, caller, { action: 'model.imported', subjectType: 'model', subjectId: name, payload: { sha256: stored.sha256, producer: answer.producer, dataset: answer.dataset, task: answer.task } });
    return answer;
  }

  /**
   * `importModel`: the uploaded file as a run, a pipeline with `training: { trainer: imported, model: <sha256> }` and
   * the rest from `spec` (or one approval gate), started as any submitted pipeline is, through the same checks and gates.
   */
  async submit(input: ImportModelInput, caller: Caller): Promise<PipelineRun> {
    if (!NAME_PATTERN.test(input.model)) throw invalid('input.model', 'must be a model name: letters, digits, dots, dashes or underscores');
    const dataset = await this.dataset(input.dataset, 'input.dataset');
    const target = this.target(input.target, dataset, 'input.target');
    if (!/^[0-9a-f]{64}$/.test(input.file)) throw invalid('input.file', 'must be the sha256 the upload answered (64 lowercase hex digits)');
    if (!(await this.store.has(input.file))) throw invalid('input.file', 'names no uploaded file: POST it to /v1/models/{name}/import first');
    if (input.spec !== undefined && input.spec !== null && (typeof input.spec !== 'object' || Array.isArray(input.spec))) throw invalid('input.spec', 'must be a pipeline spec object');
    const imported = await this.inspected(input.model, input.file, dataset, target);
    return await this.runs.submit({ spec: importSpec((input.spec ?? {}) as Record<string, unknown>, imported) }, caller);
  }

  /** The stored file read against the dataset; a file that does not fit is refused with every mismatch. */
  private async inspected(model: string, sha256: string, dataset: DatasetVersionRow & { datasetName: string }, target: string): Promise<ImportedOnnx> {
    try {
      const bytes = await this.store.read(sha256);
      const inspected = inspectOnnx(bytes, dataset.columns, target);
      return { model, sha256, sizeBytes: bytes.byteLength, dataset: { name: dataset.datasetName, version: dataset.version }, target, ...inspected };
    } catch (error) {
      if (error instanceof OnnxImportError) throw new RegistryError('MODEL_NOT_IMPORTABLE', `The ONNX file cannot be imported for ${dataset.datasetName} v${dataset.version}: ${error.message}`, error.issues);
      throw error;
    }
  }

  private target(target: string | undefined, dataset: DatasetVersionRow & { datasetName: string }, field: string): string {
    if (!target) throw invalid(field, 'is required: the column the model predicts');
    if (!dataset.columns.some((c) => c.name === target)) throw invalid(field, `is not a column of ${dataset.datasetName} v${dataset.version}`);
    return target;
  }

  /** `NAME` (its latest version) or `NAME@VERSION`. */
  private async dataset(text: string | undefined, field: string) {
    const match = /^([^@]+)(?:@(.+))?$/.exec(text ?? '');
    if (!match) throw invalid(field, 'is required: NAME or NAME@VERSION, the data the model is evaluated on');
    const version = match[2] === undefined ? 'latest' : versionParam(match[2]);
    if (version === null) throw invalid(field, 'must be NAME or NAME@VERSION, the version a whole number from 1');
    const found = await this.repos.datasets.findVersion(match[1]!, version);
    if (!found) throw new RegistryError('DATASET_NOT_FOUND', `No dataset version ${text}`);
    return found;
  }
}

/** The import's pipeline: the given spec (or one approval gate, and f1 or rmse) with the imported file as its training. */
function importSpec(base: Record<string, unknown>, imported: ImportedOnnx): Record<string, unknown> {
  const classification = imported.task === 'classification';
  // An imported model's features are its graph's inputs.
  const rest = { ...base };
  delete rest.features;
  return {
    apiVersion: 'custody/v1',
    name: `${imported.model}-import`,
    evaluation: { primaryMetric: classification ? 'f1' : 'rmse' },
    gates: [{ name: 'import-approval', role: 'approver', quorum: 1, timeout: '7d', onTimeout: 'reject' }],
    ...rest,
    model: imported.model,
    dataset: { name: imported.dataset.name, version: imported.dataset.version },
    task: imported.task,
    target: imported.target,
    training: { trainer: 'imported', model: imported.sha256 },
  };
}
