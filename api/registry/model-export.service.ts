import { Inject, Injectable } from '@nestjs/common';
import type { Repositories } from '../../db/repositories/index.js';
import { parseArtifact } from '../../ml/artifact.js';
import { OnnxExportError } from '../../ml/export/onnx/export-error.js';
import { exportOnnx } from '../../ml/export/onnx/export.js';
import { CUSTODY_VERSION } from '../../paths.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import type { Caller } from '../access/principal.js';
import { auditRequest } from '../common/audit.js';
import { versionParam } from '../common/validate.js';
import { ARTIFACT_STORE, REPOSITORIES } from '../core/tokens.js';
import type { Download } from '../http/send-stored.js';
import type { ExportModelInput } from './dto/registry.input.js';
import type { ModelExport } from './models/model.model.js';
import { RegistryError } from './registry.error.js';

const invalid = (field: string, message: string) => new RegistryError('INVALID_INPUT', `${field} ${message}`, [{ path: field, message }]);

/**
 * Model versions in exchange formats: ONNX for now. The export is stored content-addressed (the same version gives
 * the same bytes, so it is stored once) and sent from the store with its sha256; each export is audited, and a model
 * that cannot be exported faithfully is refused naming why.
 */
@Injectable()
export class ModelExportService {
  /** Exports already written, by model, version and artifact: each is written once per process. */
  private readonly files = new Map<string, { sha256: string; sizeBytes: number }>();

  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /** `GET /v1/models/{name}/versions/{version}/export?format=onnx`: the export as a download. */
  async export(name: string, version: string, format: unknown, caller: Caller): Promise<Download> {
    if (format !== 'onnx') throw invalid('format', 'must be onnx');
    const number = versionParam(version);
    if (number === null) throw invalid('version', 'must be a whole number from 1');
    return (await this.exportVersion(name, number, caller)).download;
  }

  /** `exportModel`: the version asked for, or the one serving production, exported and described with where to fetch it. */
  async exportModel(input: ExportModelInput, caller: Caller): Promise<ModelExport> {
    const version = input.version ?? (await this.repos.registry.productionPrimary(input.model))?.version.version;
    if (version === undefined) throw invalid('input.version', `is needed: ${input.model} has no version serving production`);
    if (!Number.isInteger(version) || version < 1) throw invalid('input.version', 'must be a whole number from 1');
    const { download, sizeBytes } = await this.exportVersion(input.model, version, caller);
    const downloadPath = `/v1/models/${encodeURIComponent(input.model)}/versions/${version}/export?format=${input.format}`;
    return { model: input.model, version, format: input.format, filename: download.filename, sha256: download.sha256, sizeBytes, downloadPath };
  }

  private async exportVersion(name: string, version: number, caller: Caller): Promise<{ download: Download; sizeBytes: number }> {
    const row = await this.repos.registry.findVersionByNumber(name, version);
    if (!row) throw new RegistryError('MODEL_VERSION_NOT_FOUND', `Model ${name} has no version ${version}`);
    const stored = await this.exported(name, row.version, row.artifactSha256);
    const payload = { model: name, version: row.version, format: 'onnx', sha256: stored.sha256, artifactSha256: row.artifactSha256 };
    await auditRequest(this.repos, caller, { action: 'model.exported', subjectType: 'model_version', subjectId: row.id, payload });
    return { download: { sha256: stored.sha256, contentType: 'application/octet-stream', filename: `${name}-v${row.version}.onnx` }, sizeBytes: stored.sizeBytes };
  }

  /**
   * The version's ONNX file in the store: written by the first export, then found again (an export is the same bytes
   * every time, and a large forest takes a while to write), so each later download only streams it.
   */
  private async exported(name: string, version: number, artifactSha256: string): Promise<{ sha256: string; sizeBytes: number }> {
    const key = `${name}@${version}:${artifactSha256}`;
    const known = this.files.get(key);
    if (known && (await this.store.has(known.sha256))) return known;
    const artifact = parseArtifact(await this.store.read(artifactSha256));
    let bytes: Uint8Array;
    try {
      bytes = exportOnnx(artifact, { model: name, version, producerVersion: CUSTODY_VERSION });
    } catch (error) {
      if (error instanceof OnnxExportError) throw new RegistryError('MODEL_NOT_EXPORTABLE', `${name} v${version} cannot be exported to ONNX: ${error.message}`, error.issues);
      throw error;
    }
    const stored = { sha256: (await this.store.putBytes(bytes)).sha256, sizeBytes: bytes.byteLength };
    this.files.set(key, stored);
    return stored;
  }
}
