import DataLoader from 'dataloader';
import type { Repositories } from '../../db/repositories/index.js';
import type { DeploymentWithVersion } from '../../db/repositories/registry.js';
import type { AuditEventRow, DatasetVersionRow, DriftReportRow, EventRow, ModelRow, ModelVersionRow, PipelineRunRow, ReleaseLookRow, ReleaseRow, RunStepRow, TrialRow } from '../../db/schema/index.js';
import type { GateDecisionRecord } from '../../domain/pipeline/gates.js';

const byKey = <K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] => {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
};

const groupBy = <K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] => {
  const map = new Map<K, V[]>();
  for (const row of rows) {
    const list = map.get(keyOf(row)) ?? [];
    list.push(row);
    map.set(keyOf(row), list);
  }
  return keys.map((key) => map.get(key) ?? []);
};

/**
 * Per-request batch loaders: field resolvers ask for one run's steps, and all the runs of a page are
 * fetched in one query, so a list never costs one query per row (no N+1).
 */
export function createLoaders(repos: Repositories) {
  return {
    trial: new DataLoader<string, TrialRow | null>(async (ids) => byKey(ids, await repos.trials.getMany(ids), (r) => r.id)),
    deployment: new DataLoader<string, DeploymentWithVersion | null>(async (ids) => byKey(ids, await repos.registry.deploymentsByIds(ids), (r) => r.id)),
    run: new DataLoader<string, PipelineRunRow | null>(async (ids) => byKey(ids, await repos.runs.getMany(ids), (r) => r.id)),
    stepsOfRun: new DataLoader<string, RunStepRow[]>(async (ids) => groupBy(ids, await repos.runs.stepsOf(ids), (r) => r.runId)),
    trialsOfRun: new DataLoader<string, TrialRow[]>(async (ids) => groupBy(ids, await repos.trials.ofRuns(ids), (r) => r.runId)),
    /** The decisions that counted on a run's gates (the workflow's record; older rows of refused attempts are left out). */
    decisionsOfRun: new DataLoader<string, GateDecisionRecord[]>(async (ids) => groupBy(ids, (await repos.gates.ofRuns(ids)).filter((d) => d.accepted), (r) => r.runId)),
    /** A run's refused gate decisions: audit events, never rows of its gate record. */
    refusalsOfRun: new DataLoader<string, AuditEventRow[]>(async (ids) => groupBy(ids, await repos.audit.ofSubjects(ids, ['gate.refused']), (r) => r.subjectId)),
    deploymentsOfRun: new DataLoader<string, DeploymentWithVersion[]>(async (ids) => groupBy(ids, await repos.registry.ofRuns(ids), (r) => r.runId!)),
    datasetVersion: new DataLoader<string, (DatasetVersionRow & { datasetName: string }) | null>(async (ids) =>
      byKey(ids, await repos.datasets.findVersionsByIds(ids), (r) => r.id),
    ),
    modelVersion: new DataLoader<string, ModelVersionRow | null>(async (ids) => byKey(ids, await repos.registry.findVersionsByIds(ids), (r) => r.id)),
    modelVersionOfRun: new DataLoader<string, ModelVersionRow | null>(async (ids) => byKey(ids, await repos.registry.versionsOfRuns(ids), (r) => r.runId)),
    versionsOfModel: new DataLoader<string, ModelVersionRow[]>(async (ids) => groupBy(ids, await repos.registry.versionsOfModels(ids), (r) => r.modelId)),
    activeDeploymentsOfModel: new DataLoader<string, DeploymentWithVersion[]>(async (ids) => groupBy(ids, await repos.registry.activeOfModels(ids), (r) => r.modelId)),
    runsOfDriftReport: new DataLoader<string, PipelineRunRow[]>(async (ids) => groupBy(ids, await repos.runs.ofDriftReports(ids), (r) => r.driftReportId!)),
    driftReport: new DataLoader<string, DriftReportRow | null>(async (ids) => byKey(ids, await repos.monitoring.reportsByIds(ids), (r) => r.id)),
    model: new DataLoader<string, ModelRow | null>(async (ids) => byKey(ids, await repos.registry.findModelsByIds(ids), (r) => r.id)),
    event: new DataLoader<string, EventRow | null>(async (ids) => byKey(ids, await repos.events.getMany(ids), (r) => r.id)),
    releasesOfRun: new DataLoader<string, ReleaseRow[]>(async (ids) => groupBy(ids, await repos.releases.ofRuns(ids), (r) => r.runId)),
    releaseOfDeployment: new DataLoader<string, ReleaseRow | null>(async (ids) => byKey(ids, await repos.releases.ofDeployments(ids), (r) => r.deploymentId!)),
    looksOfRelease: new DataLoader<string, ReleaseLookRow[]>(async (ids) => groupBy(ids, await repos.releases.looksOf(ids), (r) => r.releaseId)),
    versionsOfDataset: new DataLoader<string, DatasetVersionRow[]>(async (ids) => groupBy(ids, await repos.datasets.versionsOf(ids), (r) => r.datasetId)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** What every resolver finds in the GraphQL context. */
export interface RequestContext {
  req: { headers: Record<string, string | string[] | undefined> };
  loaders: Loaders;
}
