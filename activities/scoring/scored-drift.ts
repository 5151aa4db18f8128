import { heartbeat } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import type { ResolvedScoringJob } from '../../domain/scoring.js';
import { sampleScoredRows } from '../../ml/scoring/sample.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { Pseudonyms } from '../../storage/encryption/pseudonym.js';
import type { Cell } from '../../storage/read-rows.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { ServedRow } from '../monitoring/drift.js';
import { judgeRows } from '../monitoring/judge.js';
import { specOfVersion } from '../monitoring/reference.js';

/**
 * The drift report of a job's scored population: a uniform sample of the rows it scored (at most the model's
 * `monitoring.maxRows`), judged against the model version's training reference exactly as a monitoring check
 * judges served traffic, and stored under the job's workflow id, so a retry finds it. A sensitive categorical
 * feature is compared as the keyed hashes the reference keeps; other sensitive features are not monitored.
 */
export async function reportScoredDrift(
  deps: { repos: Repositories; store: ArtifactStore; pseudonyms: Pseudonyms | null },
  job: ResolvedScoringJob,
  outputDatasetVersionId: string,
): Promise<{ driftReportId: string }> {
  const { repos, store } = deps;
  const [record, version, [output]] = await Promise.all([repos.scoring.get(job.jobId), repos.registry.findVersion(job.modelVersionId), repos.datasets.findVersionsByIds([outputDatasetVersionId])]);
  if (!record || !version || !output) throw permanentFailure(FailureType.BadInput, `scoring job ${job.jobId}, its model version or its output ${outputDatasetVersionId} is not recorded`);
  const existing = await repos.monitoring.reportByKey(record.workflowId);
  if (existing) return { driftReportId: existing.id };
  const spec = await specOfVersion(repos, version);
  const features = version.features.map((f) => f.name);
  const { sample } = await store.withLocalFile(job.inputSha256, (input) =>
    store.withLocalFile(output.sha256, (scores) =>
      sampleScoredRows({ input, output: scores, format: job.format }, features, spec.monitoring.maxRows, seedOf(job.jobId), (rows) => heartbeat({ stage: 'sample', rows })),
    ),
  );
  const hashed = hashSensitive(version.features, deps.pseudonyms);
  const rows: ServedRow[] = sample.map((s) => ({ modelVersionId: version.id, inputs: hashed(s.inputs), output: { value: s.prediction as string | number }, label: null }));
  const { report } = await judgeRows(deps, {
    key: record.workflowId,
    modelId: version.modelId,
    version,
    spec,
    rows,
    windowStart: record.createdAt,
    windowEnd: new Date(),
    scheduleId: record.scheduleId,
    scoringJobId: job.jobId,
  });
  return { driftReportId: report.id };
}

/** Writes sensitive categorical values as the prediction log and the reference do: keyed hashes, never the values. */
function hashSensitive(features: readonly { name: string; kind: string; sensitive?: boolean }[], pseudonyms: Pseudonyms | null) {
  const hashed = features.filter((f) => f.sensitive && f.kind === 'categorical').map((f) => f.name);
  return (inputs: Record<string, Cell>): Record<string, Cell> => {
    for (const name of hashed) {
      const cell = inputs[name];
      inputs[name] = cell === null || cell === undefined || cell === '' || !pseudonyms ? null : pseudonyms.of(name, String(cell));
    }
    return inputs;
  };
}

/** The sample's seed: the job's id, so every attempt draws the same rows. */
const seedOf = (jobId: string): number => Number.parseInt(jobId.replace(/-/g, '').slice(0, 8), 16);
