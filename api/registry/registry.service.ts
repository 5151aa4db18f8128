import { Inject, Injectable } from '@nestjs/common';
import type { Repositories } from '../../db/repositories/index.js';
import type { DeploymentWithVersion } from '../../db/repositories/registry.js';
import type { ModelRow, ModelVersionRow } from '../../db/schema/index.js';
import { isUuid } from '../common/validate.js';
import { REPOSITORIES } from '../core/tokens.js';
import type { Deployment, ModelVersion } from './models/model.model.js';
import { RegistryError } from './registry.error.js';

export const toModelVersionModel = (row: ModelVersionRow, modelName: string): ModelVersion => ({ ...row, modelName, explanations: explanationsOf(row.explanations) });

/** A version's stored explanations as GraphQL gives them: a summary, or only why there is none. */
function explanationsOf(stored: ModelVersionRow['explanations']): ModelVersion['explanations'] {
  if (!stored) return null;
  if ('skipped' in stored) return { skipped: stored.skipped, meanAbs: [], dependence: [], extremes: [] };
  return stored;
}
export const toDeploymentModel = (row: DeploymentWithVersion): Deployment => ({ ...row });

/** Reads the model registry: models, versions and the deployment history. */
@Injectable()
export class RegistryService {
  constructor(@Inject(REPOSITORIES) private readonly repos: Repositories) {}

  async model(name: string): Promise<ModelRow> {
    const model = await this.repos.registry.findModel(name);
    if (!model) throw new RegistryError('MODEL_NOT_FOUND', `No model is named ${name}`);
    return model;
  }

  async models(): Promise<ModelRow[]> {
    return await this.repos.registry.listModels();
  }

  async modelVersion(id: string): Promise<ModelVersion> {
    if (!isUuid(id)) throw new RegistryError('INVALID_INPUT', 'input.id must be a UUID', [{ path: 'input.id', message: 'must be a UUID' }]);
    const row = await this.repos.registry.findVersion(id);
    if (!row) throw new RegistryError('MODEL_VERSION_NOT_FOUND', `No model version has id ${id}`);
    const [model] = await this.repos.registry.findModelsByIds([row.modelId]);
    return toModelVersionModel(row, model!.name);
  }

  async deploymentHistory(modelName: string, at?: Date): Promise<Deployment[]> {
    await this.model(modelName);
    return (await this.repos.registry.history(modelName, at)).map(toDeploymentModel);
  }
}
