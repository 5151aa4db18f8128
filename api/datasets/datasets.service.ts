import { Inject, Injectable } from '@nestjs/common';
import type { Repositories } from '../../db/repositories.js';
import type { DatasetRow, DatasetVersionRow } from '../../db/schema/index.js';
import { isUuid } from '../common/validate.js';
import { REPOSITORIES } from '../core/tokens.js';
import { DatasetError } from './datasets.error.js';
import type { DatasetVersionInput } from './dto/dataset-version.input.js';
import type { DatasetVersion } from './models/dataset.model.js';

export const toDatasetVersionModel = (row: DatasetVersionRow & { datasetName: string }): DatasetVersion => ({ ...row });

/** Reads datasets and their content-addressed versions. */
@Injectable()
export class DatasetsService {
  constructor(@Inject(REPOSITORIES) private readonly repos: Repositories) {}

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
