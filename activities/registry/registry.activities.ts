import { activityInfo } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import { UnknownModelVersionError } from '../../db/repositories/registry.js';
import type { DeploymentRole, DeploymentStage } from '../../db/schema/index.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import { auditFromActivity, type AuditMark } from '../audit.js';
import { publishFromActivity } from '../events/publish.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { FairnessReport, FeatureImportance } from '../evaluation/responsible.js';
import type { ExplanationSummary } from '../../domain/evaluation/reports.js';
import { resolveModelInputs } from '../training/model-inputs.js';

export interface ModelVersionRef {
  modelVersionId: string;
  modelName: string;
  version: number;
  artifactSha256: string;
}

export function createRegistryActivities({ repos }: { repos: Repositories }) {
  return {
    /** Registers the winning trial as the next version of the model; once per run, whatever the retries. */
    async registerModel(input: {
      runId: string;
      modelName: string;
      trialId: string;
      datasetVersionId: string;
      metrics: Record<string, number>;
      fairness?: FairnessReport;
      importances?: FeatureImportance[];
      explanations?: ExplanationSummary | { skipped: string };
      spec: Pick<PipelineSpec, 'task' | 'target' | 'features'> & { fairness?: PipelineSpec['fairness']; sensitiveColumns?: string[] };
    }): Promise<ModelVersionRef> {
      const trial = await repos.trials.get(input.trialId);
      if (!trial?.artifactSha256) throw permanentFailure(FailureType.BadInput, `trial ${input.trialId} has no artifact`);
      const sensitive = new Set(input.spec.sensitiveColumns ?? []);
      // Serving and monitoring read which features are sensitive from here: the log hashes or drops them.
      const features = (await resolveModelInputs(repos, input.datasetVersionId, input.spec)).features.map((f) => (sensitive.has(f.name) ? { ...f, sensitive: true } : f));
      const row = await repos.registry.registerVersion(input.modelName, {
        artifactSha256: trial.artifactSha256,
        trainer: trial.trainer,
        params: trial.params,
        metrics: input.metrics,
        fairness: input.fairness ?? null,
        importances: input.importances ?? [],
        explanations: input.explanations ?? null,
        privacy: trial.privacy ?? null,
        datasetVersionId: input.datasetVersionId,
        runId: input.runId,
        trialId: trial.id,
        codeVersion: trial.codeVersion,
        features,
        target: input.spec.target,
        task: input.spec.task,
      }, { actor: 'system', payload: { workflowId: activityInfo().workflowExecution?.workflowId } });
      // Keyed by the version, like its audit event: a resumed run registering again publishes nothing new.
      await publishFromActivity(repos, {
        key: `model-version:${row.id}:registered`,
        type: 'model.registered',
        modelName: input.modelName,
        message: `${input.modelName} v${row.version} registered by run ${input.runId}`,
        data: { modelVersionId: row.id, version: row.version, artifactSha256: row.artifactSha256, runId: input.runId, trainer: row.trainer, metrics: row.metrics },
      });
      return { modelVersionId: row.id, modelName: input.modelName, version: row.version, artifactSha256: row.artifactSha256 };
    },

    /** Points a stage (or a canary share of it) at a version. Keyed by `key`, so a retry never deploys twice. */
    async deploy(input: {
      key: string;
      runId: string;
      modelVersionId: string;
      stage: DeploymentStage;
      role: DeploymentRole;
      trafficPercent: number;
      approvedBy: string[];
    }): Promise<{ deploymentId: string; startedAt: string } & AuditMark> {
      let row;
      try {
        row = await repos.registry.deploy({ ...input, at: new Date() });
      } catch (error) {
        if (error instanceof UnknownModelVersionError) throw permanentFailure(FailureType.ModelNotFound, error.message);
        throw error;
      }
      const mark = await auditFromActivity(repos, {
        action: 'deployment.started',
        subjectType: 'model_version',
        subjectId: input.modelVersionId,
        payload: { stage: input.stage, role: input.role, trafficPercent: input.trafficPercent, runId: input.runId, approvedBy: input.approvedBy, deploymentId: row.id },
      });
      const version = (await repos.registry.deploymentsByIds([row.id]))[0]!;
      await publishFromActivity(repos, {
        type: 'deployment.started',
        modelName: version.modelName,
        message:
          input.role === 'shadow'
            ? `${version.modelName} v${version.version} shadows ${input.stage} on ${input.trafficPercent}% of requests`
            : `${version.modelName} v${version.version} serves ${input.stage}${input.role === 'canary' ? ` as a ${input.trafficPercent}% canary` : ''}`,
        data: { deploymentId: row.id, modelVersionId: input.modelVersionId, version: version.version, stage: input.stage, role: input.role, trafficPercent: input.trafficPercent, runId: input.runId, approvedBy: input.approvedBy },
      });
      return { deploymentId: row.id, startedAt: row.startedAt.toISOString(), ...mark };
    },

    /** Undoes the run's rollout on a stage and restores the version it replaced. Keyed by `key`. */
    async rollback(input: { key: string; runId: string; stage: DeploymentStage }): Promise<{ restoredVersionId: string | null } & AuditMark> {
      const result = await repos.registry.rollback({ ...input, at: new Date() });
      const mark = await auditFromActivity(repos, {
        action: 'deployment.rolled_back',
        subjectType: 'run',
        subjectId: input.runId,
        payload: { stage: input.stage, restoredVersionId: result.restoredVersionId },
      });
      const run = await repos.runs.get(input.runId);
      const restored = result.restoredVersionId ? await repos.registry.findVersion(result.restoredVersionId) : null;
      const serving = run ? (await repos.registry.history(run.modelName, new Date())).find((d) => d.stage === input.stage && d.role === 'primary') : undefined;
      await publishFromActivity(repos, {
        type: 'deployment.rolled_back',
        modelName: run?.modelName ?? null,
        message: `${run?.modelName ?? 'a model'}: run ${input.runId}'s rollout on ${input.stage} was rolled back; ${serving ? `v${serving.version} serves ${input.stage}` : `nothing serves ${input.stage}`}`,
        data: {
          runId: input.runId,
          stage: input.stage,
          restoredVersionId: result.restoredVersionId,
          restoredVersion: restored?.version ?? null,
          servingVersion: serving?.version ?? null,
        },
      });
      return { ...result, ...mark };
    },
  };
}

export type RegistryActivities = ReturnType<typeof createRegistryActivities>;
