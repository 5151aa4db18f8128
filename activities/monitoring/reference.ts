import type { Repositories } from '../../db/repositories/index.js';
import type { ModelVersionRow } from '../../db/schema/index.js';
import { seededRandom, shuffled } from '../../domain/random.js';
import { parsePipelineSpec, type PipelineSpec } from '../../domain/pipeline/spec.js';
import { loadArtifact, predictRows } from '../../ml/predict.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { loadRows, splitRows } from '../../ml/trainers/dataset-table.js';
import { splitOptionsOf } from '../training/model-inputs.js';
import { referenceColumn, type ReferenceProfile } from './drift.js';
import type { Cell } from '../../storage/read-rows.js';
import type { Pseudonyms } from '../../storage/encryption/pseudonym.js';
import { KS_EXACT_MAX_N } from './drift-stats.js';

/** The spec a model version was trained with, parsed again so fields added since get their defaults. */
export async function specOfVersion(repos: Repositories, version: ModelVersionRow): Promise<PipelineSpec> {
  const run = await repos.runs.get(version.runId);
  if (!run) throw permanentFailure(FailureType.BadInput, `the run ${version.runId} of model version ${version.id} does not exist`);
  const parsed = parsePipelineSpec(run.spec);
  if (!parsed.ok) throw permanentFailure(FailureType.BadInput, `the spec of run ${run.id} no longer validates: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  return parsed.spec;
}

/**
 * The training reference of a model version: a seeded sample (at most 10,000 rows, so KS p-values stay
 * exact) of the very training split the version learned from, its feature values and the model's own
 * predictions on them. A sensitive feature is kept as the prediction log keeps it: a categorical one as
 * keyed hashes (so drift compares like with like), any other left out (its drift is not monitored). Built once per version (`spec` is the version's own, from specOfVersion), stored
 * content-addressed, found again by its row.
 */
export async function referenceOf(
  repos: Repositories,
  store: ArtifactStore,
  version: ModelVersionRow,
  spec: PipelineSpec,
  pseudonyms: Pseudonyms | null = null,
): Promise<{ sha256: string; profile: ReferenceProfile }> {
  const existing = await repos.monitoring.findReference(version.id);
  if (existing && (await store.has(existing.sha256))) {
    return { sha256: existing.sha256, profile: JSON.parse((await store.read(existing.sha256)).toString('utf8')) as ReferenceProfile };
  }
  const [dataset] = await repos.datasets.findVersionsByIds([version.datasetVersionId]);
  if (!dataset) throw permanentFailure(FailureType.DatasetNotFound, `dataset version ${version.datasetVersionId} does not exist`);
  const artifact = await loadArtifact(store, version.artifactSha256);
  const rows = await store.withLocalFile(dataset.sha256, (file) => loadRows(file, dataset.format, [...version.features.map((f) => f.name), version.target], version.target));
  const { train } = splitRows(rows, version.target, splitOptionsOf(spec));
  const sample = train.length > KS_EXACT_MAX_N ? shuffled(train, seededRandom(spec.split.seed)).slice(0, KS_EXACT_MAX_N) : train;
  const predictions = await predictRows(store, artifact, sample);
  const profile: ReferenceProfile = {
    format: 'custody-reference/v1',
    modelVersionId: version.id,
    rows: sample.length,
    features: monitoredFeatures(version, pseudonyms).map((f) => ({ name: f.name, ...referenceColumn(f.kind, sample.map((row) => f.cell(row[f.name] ?? null))) })),
    prediction: referenceColumn(version.task === 'classification' ? 'categorical' : 'numeric', predictions.values),
  };
  const stored = await store.putBytes(Buffer.from(JSON.stringify(profile)));
  const row = await repos.monitoring.saveReference({ modelVersionId: version.id, sha256: stored.sha256, rows: sample.length });
  return { sha256: row.sha256, profile };
}

/** The features drift compares, each with how its training value is written the way the log writes it. */
function monitoredFeatures(version: ModelVersionRow, pseudonyms: Pseudonyms | null) {
  const asIs = (cell: Cell) => cell;
  return version.features.flatMap((f) => {
    if (!f.sensitive) return [{ ...f, cell: asIs }];
    if (f.kind !== 'categorical' || !pseudonyms) return [];
    return [{ ...f, cell: (cell: Cell): Cell => (cell === null ? null : pseudonyms.of(f.name, String(cell))) }];
  });
}
