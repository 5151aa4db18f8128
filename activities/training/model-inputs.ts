import type { Repositories } from '../../db/repositories/index.js';
import type { DatasetVersionRow } from '../../db/schema/index.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import type { ColumnKind } from '../../domain/data/profile.js';
import { featureColumns } from '../data/validate.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { SplitOptions } from '../../ml/trainers/dataset-table.js';

/** The dataset version and the typed feature columns a spec trains on. */
export async function resolveModelInputs(
  repos: Repositories,
  datasetVersionId: string,
  spec: Pick<PipelineSpec, 'features' | 'target'> & { fairness?: PipelineSpec['fairness'] },
): Promise<{ version: DatasetVersionRow; features: { name: string; kind: ColumnKind }[] }> {
  const [version] = await repos.datasets.findVersionsByIds([datasetVersionId]);
  if (!version) throw permanentFailure(FailureType.DatasetNotFound, `dataset version ${datasetVersionId} does not exist`);
  const kinds = new Map(version.columns.map((c) => [c.name, c.kind]));
  const names = featureColumns(spec, version.columns);
  const missing = [...names, spec.target].filter((name) => !kinds.has(name));
  if (missing.length > 0) throw permanentFailure(FailureType.BadInput, `columns ${missing.join(', ')} are not in dataset version ${version.version}`);
  return { version, features: names.map((name) => ({ name, kind: kinds.get(name)! })) };
}

/** The spec's split with its defaults resolved: stratified by default for classification. */
export function splitOptionsOf(spec: Pick<PipelineSpec, 'split' | 'task'>): SplitOptions {
  return {
    testFraction: spec.split.testFraction,
    validationFraction: spec.split.validationFraction,
    seed: spec.split.seed,
    stratify: spec.split.stratify ?? spec.task === 'classification',
  };
}
