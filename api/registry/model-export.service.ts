import { Inject, Injectable } from '@nestjs/common';
import type { Repositories } from '../../db/repositories/index.js';
import type { ModelVersionRow } from '../../db/schema/index.js';
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
import { writeBundle, type SigningKey } from '../../bundle/format.js';
import { BundleSigning } from './bundle-signing.service.js';
import type { ExportModelInput } from './dto/registry.input.js';
import { bundleFiles } from './model-bundle.js';
import type { ModelExport } from './models/model.model.js';
import { RegistryError } from './registry.error.js';

const invalid = (field: string, message: string) => new RegistryError('INVALID_INPUT', `${field} ${message}`, [{ path: field, message }]);

/** The formats a version is exported in: the ONNX graph alone, or a signed bundle of everything about it. */
export type ExportFormatName = 'onnx' | 'bundle';
const FORMATS: Record<ExportFormatName, { extension: string; contentType: string }> = {
  onnx: { extension: 'onnx', contentType: 'application/octet-stream' },
  bundle: { extension: 'tar.gz', contentType: 'application/gzip' },
};

/**
 * Model versions in exchange formats: ONNX, and signed bundles (bundle/). The export is stored content-addressed
 * (the same version gives the same bytes, so it is stored once) and sent from the store with its sha256; each
 * export is audited, and a model that cannot be exported faithfully is refused naming why.
 */
@Injectable()
export class ModelExportService {
  /** Exports already written, by model, version and artifact: each is written once per process. */
  private readonly files = new Map<string, { sha256: string; sizeBytes: number }>();

  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    private readonly signing: BundleSigning,
  ) {}

  /** `GET /v1/models/{name}/versions/{version}/export?format=onnx|bundle`: the export as a download. */
  async export(name: string, version: string, format: unknown, caller: Caller): Promise<Download> {
    if (format !== 'onnx' && format !== 'bundle') throw invalid('format', 'must be onnx or bundle');
    const number = versionParam(version);
    if (number === null) throw invalid('version', 'must be a whole number from 1');
    return (await this.exportVersion(name, number, format, caller)).download;
  }

  /** `exportModel`: the version asked for, or the one serving production, exported and described with where to fetch it. */
  async exportModel(input: ExportModelInput, caller: Caller): Promise<ModelExport> {
    const version = input.version ?? (await this.repos.registry.productionPrimary(input.model))?.version.version;
    if (version === undefined) throw invalid('input.version', `is needed: ${input.model} has no version serving production`);
    if (!Number.isInteger(version) || version < 1) throw invalid('input.version', 'must be a whole number from 1');
    const { download, sizeBytes } = await this.exportVersion(input.model, version, input.format, caller);
    const downloadPath = `/v1/models/${encodeURIComponent(input.model)}/versions/${version}/export?format=${input.format}`;
    return { model: input.model, version, format: input.format, filename: download.filename, sha256: download.sha256, sizeBytes, downloadPath };
  }

  private async exportVersion(name: string, version: number, format: ExportFormatName, caller: Caller): Promise<{ download: Download; sizeBytes: number }> {
    // A stack that cannot sign says so first, whatever the version.
    const key = format === 'bundle' ? await this.signing.key() : null;
    const row = await this.repos.registry.findVersionByNumber(name, version);
    if (!row) throw new RegistryError('MODEL_VERSION_NOT_FOUND', `Model ${name} has no version ${version}`);
    const stored = key ? await this.bundled(name, row, key) : await this.exported(name, row.version, row.artifactSha256);
    const payload = { model: name, version: row.version, format, sha256: stored.sha256, artifactSha256: row.artifactSha256, ...('keyId' in stored ? { keyId: stored.keyId } : {}) };
    // The weights leave with the download, which is what is audited: exportModel only prepares the file and says where it is.
    const audit = () => auditRequest(this.repos, caller, { action: 'model.exported', subjectType: 'model_version', subjectId: row.id, payload });
    const { extension, contentType } = FORMATS[format];
    return { download: { sha256: stored.sha256, contentType, filename: `${name}-v${row.version}.${extension}`, audit }, sizeBytes: stored.sizeBytes };
  }

  /** The version's signed bundle in the store, written once per signing key (bundle/contents.ts lists what it holds). */
  private async bundled(name: string, row: ModelVersionRow, key: SigningKey): Promise<{ sha256: string; sizeBytes: number; keyId: string }> {
    const stored = await this.once(`${name}@${row.version}:${row.artifactSha256}:bundle:${key.keyId}`, async () => {
      const files = await bundleFiles(this.repos, this.store, name, row, CUSTODY_VERSION);
      return await writeBundle(files, { model: name, version: row.version, custodyVersion: CUSTODY_VERSION }, key);
    });
    return { ...stored, keyId: key.keyId };
  }

  /**
   * The version's ONNX file in the store: written by the first export, then found again (an export is the same bytes
   * every time, and a large forest takes a while to write), so each later download only streams it.
   */
  private async exported(name: string, version: number, artifactSha256: string): Promise<{ sha256: string; sizeBytes: number }> {
    return await this.once(`${name}@${version}:${artifactSha256}`, async () => {
      const artifact = parseArtifact(await this.store.read(artifactSha256));
      // An imported model's export is the file it was imported as.
      if (artifact.kind === 'onnx') return await this.store.read(artifact.modelSha256);
      try {
        return exportOnnx(artifact, { model: name, version, producerVersion: CUSTODY_VERSION });
      } catch (error) {
        if (error instanceof OnnxExportError) throw new RegistryError('MODEL_NOT_EXPORTABLE', `${name} v${version} cannot be exported to ONNX: ${error.message}`, error.issues);
        throw error;
      }
    });
  }

  /** The file `write` makes, stored once per `key` in this process (and found again in the store after). */
  private async once(key: string, write: () => Promise<Uint8Array>): Promise<{ sha256: string; sizeBytes: number }> {
    const known = this.files.get(key);
    if (known && (await this.store.has(known.sha256))) return known;
    const bytes = await write();
    const stored = { sha256: (await this.store.putBytes(bytes)).sha256, sizeBytes: bytes.byteLength };
    this.files.set(key, stored);
    return stored;
  }
}
