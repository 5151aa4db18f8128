import type { Repositories } from '../../db/repositories/index.js';
import { outputDatasetOf, SCORING_DEFAULTS, scoringRequestErrors, type ResolvedScoringJob, type ScoringRequest } from '../../domain/scoring.js';
import { isOutputColumn } from './output.js';

/** Why a scoring request cannot run: the field at fault, and whether it names something that does not exist. */
export class ScoringRefused extends Error {
  override readonly name = 'ScoringRefused';
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly kind: 'BadInput' | 'ModelNotFound' | 'DatasetNotFound' = 'BadInput',
  ) {
    super(`${field} ${reason}`);
  }
}

/**
 * Resolves what a request names: the model's version (the one serving production when none is named) and the
 * dataset's version (the latest when none is named), and checks that the input holds every feature the model
 * takes and every id column asked for. The API checks a request with it before starting a job; the job resolves
 * it again when it starts, which for a schedule's tick is when "latest" and "in production" are read.
 */
export async function resolveScoring(repos: Repositories, jobId: string, request: ScoringRequest): Promise<ResolvedScoringJob> {
  const [error] = scoringRequestErrors(request);
  if (error) throw new ScoringRefused(error.field, error.message);
  const version = await modelVersionOf(repos, request);
  const input = await repos.datasets.findVersion(request.dataset, request.datasetVersion ?? 'latest');
  if (!input) throw new ScoringRefused(request.datasetVersion ? 'datasetVersion' : 'dataset', `names no dataset version (${request.dataset}@${request.datasetVersion ?? 'latest'})`, 'DatasetNotFound');
  const columns = new Set(input.columns.map((c) => c.name));
  const lacking = version.features.filter((f) => !columns.has(f.name)).map((f) => f.name);
  if (lacking.length > 0) throw new ScoringRefused('dataset', `${request.dataset}@${input.version} lacks the model's feature${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')}`);
  const idColumns = request.idColumns ?? [];
  const unknown = idColumns.filter((c) => !columns.has(c));
  if (unknown.length > 0) throw new ScoringRefused('idColumns', `names columns the dataset does not have: ${unknown.join(', ')}`);
  const clash = idColumns.find((c, i) => isOutputColumn(c) || idColumns.indexOf(c) !== i);
  if (clash) throw new ScoringRefused('idColumns', `cannot name ${JSON.stringify(clash)}: it is repeated or is an output column's name`);
  const sensitive = new Set(version.features.filter((f) => f.sensitive).map((f) => f.name));
  const declared = await declaredSensitive(repos, version.runId);
  return {
    jobId,
    model: request.model,
    modelVersionId: version.id,
    version: version.version,
    artifactSha256: version.artifactSha256,
    inputDatasetVersionId: input.id,
    inputSha256: input.sha256,
    format: input.format as ResolvedScoringJob['format'],
    rowCount: input.rowCount,
    output: outputDatasetOf(request),
    idColumns,
    chunkRows: request.chunkRows ?? SCORING_DEFAULTS.chunkRows,
    parallelism: request.parallelism ?? SCORING_DEFAULTS.parallelism,
    maxRejectedFraction: request.maxRejectedFraction ?? SCORING_DEFAULTS.maxRejectedFraction,
    heartbeatTimeout: request.heartbeatTimeout ?? SCORING_DEFAULTS.heartbeatTimeout,
    sensitiveFeatures: [...sensitive],
    sensitiveColumns: idColumns.filter((c) => sensitive.has(c) || declared.has(c)),
    monitoring: request.monitoring ?? false,
  };
}

async function modelVersionOf(repos: Repositories, request: ScoringRequest) {
  const model = await repos.registry.findModel(request.model);
  if (!model) throw new ScoringRefused('model', `names no registered model (${request.model})`, 'ModelNotFound');
  if (request.version === undefined) {
    const serving = await repos.registry.productionPrimary(request.model);
    if (!serving) throw new ScoringRefused('version', `is needed: ${request.model} has no version in production`);
    return serving.version;
  }
  const found = (await repos.registry.versionsOfModels([model.id])).find((v) => v.version === request.version);
  if (!found) throw new ScoringRefused('version', `names no version of ${request.model} (${request.version})`, 'ModelNotFound');
  return found;
}

/** The columns the model's training run declared sensitive (its spec's dataset.sensitiveColumns), features or not. */
async function declaredSensitive(repos: Repositories, runId: string): Promise<Set<string>> {
  const run = await repos.runs.get(runId);
  const declared = (run?.spec as { dataset?: { sensitiveColumns?: unknown } } | undefined)?.dataset?.sensitiveColumns;
  return new Set(Array.isArray(declared) ? declared.filter((c): c is string => typeof c === 'string') : []);
}
