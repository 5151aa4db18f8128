import { Inject, Injectable } from '@nestjs/common';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerDatasetFile } from '../../storage/register-dataset.js';
import { DataFormatError, formatOf } from '../../storage/read-rows.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import type { Config } from '../../config.js';
import { NAME_PATTERN } from '../../domain/pipeline/spec.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { DatasetRow, DatasetVersionRow } from '../../db/schema/index.js';
import { isUuid } from '../common/validate.js';
import { ARTIFACT_STORE, CONFIG, REPOSITORIES } from '../core/tokens.js';
import { DatasetError } from './datasets.error.js';
import type { DatasetVersionInput, RegisterDatasetInput } from './dto/dataset-version.input.js';
import type { DatasetVersion } from './models/dataset.model.js';

function invalidName(): never {
  throw invalid('input.name', 'must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit');
}

export const toDatasetVersionModel = (row: DatasetVersionRow & { datasetName: string }): DatasetVersion => ({ ...row });

const invalid = (field: string, message: string) => new DatasetError('INVALID_INPUT', `${field} ${message}`, [{ path: field, message }]);

/** Registers datasets and reads their content-addressed versions. */
@Injectable()
export class DatasetsService {
  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /** Registers uploaded content or a file under the import directory; identical content returns its existing version. */
  async register(input: RegisterDatasetInput, actor: string): Promise<DatasetVersion> {
    if (!NAME_PATTERN.test(input.name)) invalidName();
    if ((input.content === undefined || input.content === null) === (input.file === undefined || input.file === null)) {
      throw invalid('input', 'must give exactly one of content or file');
    }
    for (const field of ['source', 'license', 'intendedUse'] as const) {
      if ((input[field]?.length ?? 0) > 2000) throw invalid(`input.${field}`, 'must be at most 2000 characters');
    }
    const format = input.format ?? (input.file ? formatOf(input.file) : null);
    if (format !== 'csv' && format !== 'jsonl') throw invalid('input.format', input.format ? 'must be csv or jsonl' : 'is required (csv or jsonl)');
    let file: string;
    let tmp: string | null = null;
    try {
      if (input.file) {
        file = path.resolve(this.config.importDir, input.file);
        const relative = path.relative(this.config.importDir, file);
        if (relative.startsWith('..') || path.isAbsolute(relative)) throw invalid('input.file', 'must be inside the import directory');
        if (!existsSync(file) || !statSync(file).isFile()) throw invalid('input.file', 'does not exist');
      } else {
        tmp = await mkdtemp(path.join(os.tmpdir(), 'custody-upload-'));
        file = path.join(tmp, `upload.${format}`);
        await writeFile(file, input.content!);
      }
      const { row } = await registerDatasetFile(
        { repos: this.repos, store: this.store },
        {
          name: input.name,
          file,
          format,
          metadata: { source: input.source ?? input.file ?? 'upload', license: input.license, intendedUse: input.intendedUse },
          actor,
        },
      );
      return toDatasetVersionModel({ ...row, datasetName: input.name });
    } catch (error) {
      if (error instanceof DataFormatError) throw invalid(input.file ? 'input.file' : 'input.content', `cannot be read as ${format}: ${error.message}`);
      throw error;
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  }

  async list(): Promise<DatasetRow[]> {
    return await this.repos.datasets.list();
  }

  async version(input: DatasetVersionInput): Promise<DatasetVersion> {
    if (input.id !== undefined && input.id !== null) {
      if (!isUuid(input.id)) throw new DatasetError('INVALID_INPUT', 'input.id must be a UUID', [{ path: 'input.id', message: 'must be a UUID' }]);
      const [row] = await this.repos.datasets.findVersionsByIds([input.id]);
      if (!row) throw new DatasetError('DATASET_NOT_FOUND', `No dataset version has id ${input.id}`);
      return toDatasetVersionModel(row);
    }
    if (!input.name) throw new DatasetError('INVALID_INPUT', 'input needs id, or name (and optionally version)', [{ path: 'input', message: 'needs id or name' }]);
    if (input.version !== undefined && input.version !== null && input.version < 1) {
      throw new DatasetError('INVALID_INPUT', 'input.version must be 1 or more', [{ path: 'input.version', message: 'must be 1 or more' }]);
    }
    const row = await this.repos.datasets.findVersion(input.name, input.version ?? 'latest');
    if (!row) throw new DatasetError('DATASET_NOT_FOUND', `Dataset ${input.name} has no version ${input.version ?? '(none registered)'}`);
    return toDatasetVersionModel(row);
  }
}
