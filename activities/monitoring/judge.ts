import { heartbeat } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import type { DriftReportRow, ModelVersionRow } from '../../db/schema/index.js';
import type { PredictionDrift } from '../../db/schema/monitoring.js';
import type { MonitoringSpec, PipelineSpec } from '../../domain/pipeline/spec.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { Pseudonyms } from '../../storage/encryption/pseudonym.js';
import type { Cell } from '../../storage/read-rows.js';
import { whileHeartbeating } from '../heartbeat.js';
import { assessDrift, featureIgnored, featureLimits, type DriftAssessment, type ReferenceProfile, type ServedRow } from './drift.js';
import { DriftThreads } from './drift-threads.js';
import { referenceOf } from './reference.js';

/** From this many rows, numeric features are compared on every core. */
export const THREADED_ROWS = 50_000;
let threads: DriftThreads | undefined;

/** What the judged rows were and where the report goes: served traffic in a window, or a scoring job's rows. */
export interface JudgedRows {
  /** The report's unique key: the check's (or the job's) workflow id; a retry finds the report under it. */
  key: string;
  modelId: string;
  version: ModelVersionRow;
  /** The version's own spec (specOfVersion): its monitoring limits judge the rows. */
  spec: PipelineSpec;
  rows: readonly ServedRow[];
  windowStart: Date;
  windowEnd: Date;
  scheduleId?: string | null;
  scoringJobId?: string | null;
}

/**
 * Judges rows against the training reference of a model version and stores the drift report: the one way a
 * report is made, for a monitoring check of served traffic and for a scoring job's scored rows alike.
 */
export async function judgeRows(
  deps: { repos: Repositories; store: ArtifactStore; pseudonyms: Pseudonyms | null },
  judged: JudgedRows,
): Promise<{ report: DriftReportRow; assessment: DriftAssessment }> {
  const { repos, store, pseudonyms } = deps;
  const { version, spec, rows } = judged;
  // Building a reference reads the whole training dataset once: keep heartbeating while it does.
  const { profile, sha256 } = await whileHeartbeating({ stage: 'reference' }, () => referenceOf(repos, store, version, spec, pseudonyms));
  heartbeat({ stage: 'statistics' });
  const compared = rows.length >= THREADED_ROWS ? await compareOnThreads(profile, rows, spec.monitoring) : undefined;
  const assessment = assessDrift({
    reference: profile,
    rows,
    compared,
    monitoring: spec.monitoring,
    evaluationThresholds: spec.evaluation.thresholds,
    task: version.task,
    onFeature: (name) => heartbeat({ stage: 'statistics', feature: name }),
  });
  const report = await repos.monitoring.insertReport({
    key: judged.key,
    modelId: judged.modelId,
    modelVersionId: version.id,
    scheduleId: judged.scheduleId ?? null,
    scoringJobId: judged.scoringJobId ?? null,
    status: assessment.status,
    windowStart: judged.windowStart,
    windowEnd: judged.windowEnd,
    rows: assessment.rows,
    labelledRows: assessment.labelledRows,
    driftedFeatures: assessment.driftedFeatures,
    features: assessment.features,
    prediction: assessment.prediction,
    performance: assessment.performance,
    reasons: assessment.reasons,
    referenceSha256: sha256,
  });
  return { report, assessment };
}

/** The rows' numeric features compared with the reference on the drift threads, by name. */
async function compareOnThreads(profile: ReferenceProfile, rows: readonly ServedRow[], monitoring: MonitoringSpec): Promise<Map<string, PredictionDrift>> {
  threads ??= new DriftThreads();
  const numeric = profile.features.flatMap((f) => (f.kind === 'numeric' && !featureIgnored(monitoring, f.name) ? [f] : []));
  const drifts = await threads.compare(
    numeric.map((f) => ({
      reference: { values: Float64Array.from(f.values), edges: f.edges },
      current: rows.map((r) => (r.inputs[f.name] ?? null) as Cell),
      limits: featureLimits(monitoring, f.name),
    })),
  );
  return new Map(numeric.map((f, i) => [f.name, drifts[i]!]));
}
