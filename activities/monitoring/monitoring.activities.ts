import { activityInfo, getClient, heartbeat } from '@temporalio/activity';
import { budgetRefusal } from '../../domain/data/privacy-budget.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { DriftStatus } from '../../db/schema/index.js';
import type { RetrainAnswer, RetrainRequest } from '../../domain/monitoring/messages.js';
import { durationMs, parsePipelineSpec, type PipelineSpec, type RetrainTrigger } from '../../domain/pipeline/spec.js';
import { publishEvent } from '../../clients/events.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { findingsOf, type ServedRow } from './drift.js';
import { judgeRows } from './judge.js';
import { specOfVersion } from './reference.js';
import type { Pseudonyms } from '../../storage/encryption/pseudonym.js';
import { requestRetraining } from '../../clients/retraining.js';

/** What a check tells its workflow: small, the figures stay in the report row. */
export interface CheckResult {
  status: DriftStatus | 'no_deployment';
  reportId?: string;
  modelVersionId?: string;
  version?: number;
  driftedFeatures: string[];
  /** The findings the spec retrains on (`monitoring.retrain.on`) that this check made. */
  retrainOn: RetrainTrigger[];
  /** Findings the spec does not retrain on. */
  alertOnly: RetrainTrigger[];
  /** One sentence for alerts: what was found. */
  summary: string;
}

export interface PreparedRetraining {
  spec: PipelineSpec;
  parentRunId: string;
  datasetVersion: number;
}

const MAX_SUMMARY = 1000;

/**
 * Monitoring: checks a deployed model's served predictions against its training reference, stores each
 * check as a drift report, prepares retrainings and records alerts.
 */
export function createMonitoringActivities({ repos, store, pseudonyms = null }: { repos: Repositories; store: ArtifactStore; pseudonyms?: Pseudonyms | null }) {
  return {
    /**
     * Checks the model in production on the predictions of one window (ending at `windowEnd`) and stores a
     * drift report under `key`. A retry finds the stored report and answers from it.
     */
    async checkModel(input: { model: string; key: string; windowEnd: string; scheduleId?: string }): Promise<CheckResult> {
      const existing = await repos.monitoring.reportByKey(input.key);
      if (existing) {
        const checked = (await repos.registry.findVersion(existing.modelVersionId))!;
        const spec = await specOfVersion(repos, checked);
        const findings = findingsOf({ ...existing, judged: existing.status !== 'insufficient_data' }, spec.monitoring.drift.minFeatures);
        return resultOf(existing.status, existing.id, checked, existing.driftedFeatures, findings, spec, existing.reasons);
      }
      const production = await repos.registry.productionPrimary(input.model);
      if (!production) {
        return { status: 'no_deployment', driftedFeatures: [], retrainOn: [], alertOnly: [], summary: `model ${input.model} has no version in production` };
      }
      const version = production.version;
      const spec = await specOfVersion(repos, version);
      const windowEnd = new Date(input.windowEnd);
      if (Number.isNaN(windowEnd.getTime())) throw permanentFailure(FailureType.BadInput, `windowEnd ${input.windowEnd} is not a time`);
      const windowStart = new Date(windowEnd.getTime() - durationMs(spec.monitoring.window));
      heartbeat({ stage: 'window' });
      const rows = (await repos.predictions.window(production.deployment.modelId, windowStart, windowEnd, spec.monitoring.maxRows)) as ServedRow[];
      const { report, assessment } = await judgeRows(
        { repos, store, pseudonyms },
        { key: input.key, modelId: production.deployment.modelId, version, spec, rows, windowStart, windowEnd, scheduleId: input.scheduleId ?? null },
      );
      return resultOf(report.status, report.id, version, report.driftedFeatures, assessment.findings, spec, report.reasons);
    },

    /**
     * What a retraining of the model would run: the spec of the version in production, on the newest version
     * of its dataset. Skipped, with the reason, when nothing is in production or no newer data exists (the
     * same data and seeds would only train the same model again).
     */
    async prepareRetraining(input: { model: string }): Promise<PreparedRetraining | { skip: string }> {
      const production = await repos.registry.productionPrimary(input.model);
      if (!production) return { skip: `model ${input.model} has no version in production to retrain` };
      const version = production.version;
      const spec = await specOfVersion(repos, version);
      const newest = await repos.datasets.findVersion(spec.dataset.name, 'latest');
      if (!newest) return { skip: `dataset ${spec.dataset.name} has no versions` };
      if (newest.id === version.datasetVersionId) {
        return { skip: `no new data: ${spec.dataset.name} v${newest.version} is what ${input.model} v${version.version} in production was trained on` };
      }
      const { file: _file, format: _format, version: _version, ...dataset } = spec.dataset;
      const parsed = parsePipelineSpec({ ...spec, dataset: { ...dataset, version: newest.version } });
      if (!parsed.ok) return { skip: `the spec of ${input.model} v${version.version} does not validate: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}` };
      const refused = budgetRefusal(spec.dataset.name, await repos.privacy.status(spec.dataset.name), spec.training.privacy);
      if (refused) return { skip: refused };
      return { spec: parsed.spec, parentRunId: version.runId, datasetVersion: newest.version };
    },

    /** Asks the model's retrainer for a retraining (starting it if needed) and returns its answer. */
    async requestRetraining(request: RetrainRequest): Promise<RetrainAnswer> {
      return await requestRetraining(getClient(), activityInfo().taskQueue, request);
    },

    /** Records an alert (an `alert.*` event) once per key and hands it to the webhooks that subscribe to it. */
    async recordAlert(input: { key: string; model: string; type: string; message: string; data: Record<string, unknown> }): Promise<{ eventId: string }> {
      const row = await publishEvent(repos, { client: getClient(), taskQueue: activityInfo().taskQueue }, {
        key: input.key,
        type: input.type,
        modelName: input.model,
        message: input.message.slice(0, MAX_SUMMARY * 2),
        data: input.data,
      });
      return { eventId: row.id };
    },
  };
}

function resultOf(
  status: DriftStatus,
  reportId: string,
  version: { id: string; version: number },
  driftedFeatures: string[],
  findings: Record<RetrainTrigger, boolean>,
  spec: PipelineSpec,
  reasons: string[],
): CheckResult {
  const found = (Object.keys(findings) as RetrainTrigger[]).filter((k) => findings[k]);
  const retrainOn = found.filter((k) => spec.monitoring.retrain.on.includes(k));
  const text = reasons.join('; ');
  return {
    status,
    reportId,
    modelVersionId: version.id,
    version: version.version,
    driftedFeatures,
    retrainOn,
    alertOnly: found.filter((k) => !retrainOn.includes(k)),
    summary: text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text,
  };
}

export type MonitoringActivities = ReturnType<typeof createMonitoringActivities>;
