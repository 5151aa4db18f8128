import type { EvaluationActivities } from '../../activities/evaluation/evaluation.activities.js';
import type { ModelVersionRef, RegistryActivities } from '../../activities/registry/registry.activities.js';
import { thresholdFailures } from '../../domain/pipeline/decisions.js';
import { durationMs, type PipelineSpec, type Thresholds } from '../../domain/pipeline/spec.js';

type Stage = 'staging' | 'production';
type StagePlan = NonNullable<PipelineSpec['deployment']['staging']>;
type ProductionPlan = PipelineSpec['deployment']['production'];

/** A stage's checks failed: the run rolls back what it deployed. */
export class RolledBack extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
  }
}

/** What a rollout does to the world: the registry and evaluation activities, and the workflow's timer. */
export interface RolloutActions {
  deploy: (request: Parameters<RegistryActivities['deploy']>[0], summary: string) => Promise<unknown>;
  rollback: (request: Parameters<RegistryActivities['rollback']>[0], summary: string) => Promise<unknown>;
  check: (request: Parameters<EvaluationActivities['checkStage']>[0], summary: string) => Promise<Awaited<ReturnType<EvaluationActivities['checkStage']>>>;
  sleep: (ms: number) => Promise<void>;
}

export interface RolloutOptions {
  runId: string;
  /** Deployment writes are keyed per execution: a retry reuses its key, a resumed run (a new execution) gets new ones. */
  executionKey: string;
  modelSpec: Parameters<EvaluationActivities['checkStage']>[0]['spec'];
  datasetVersionId: string;
  /** The evaluation thresholds: what a stage checks when it names none of its own. */
  thresholds: Thresholds;
  actions: RolloutActions;
}

/**
 * Staged deployment: staging, then production through its canary percentages, each held for its bake
 * time and checked; a failed check throws `RolledBack`, and `rollbackAll` undoes every stage touched.
 */
export class Rollout {
  private readonly deployed = new Set<Stage>();

  constructor(private readonly options: RolloutOptions) {}

  async staging(version: ModelVersionRef, plan: StagePlan, approvedBy: string[]): Promise<{ stage: Stage; modelVersionId: string }> {
    this.deployed.add('staging');
    await this.deploy(version, 'staging', 'primary', 100, approvedBy);
    await this.bakeAndCheck(version, 'staging', plan.bakeTime, plan.checks);
    return { stage: 'staging', modelVersionId: version.modelVersionId };
  }

  async production(version: ModelVersionRef, plan: ProductionPlan, approvedBy: string[]): Promise<{ stage: Stage; modelVersionId: string; canary: number[] }> {
    this.deployed.add('production');
    for (const percent of plan.canary) {
      await this.deploy(version, 'production', 'canary', percent, approvedBy);
      await this.bakeAndCheck(version, 'production', plan.bakeTime, plan.checks, `canary ${percent}%`);
    }
    await this.deploy(version, 'production', 'primary', 100, approvedBy);
    await this.bakeAndCheck(version, 'production', plan.canary.length > 0 ? '0s' : plan.bakeTime, plan.checks);
    return { stage: 'production', modelVersionId: version.modelVersionId, canary: plan.canary };
  }

  /** Undoes production, then staging, for each stage this run deployed to. */
  async rollbackAll(why: string): Promise<void> {
    const { actions, executionKey, runId } = this.options;
    for (const stage of ['production', 'staging'] as const) {
      if (!this.deployed.has(stage)) continue;
      await actions.rollback({ key: `${executionKey}:${stage}:rollback`, runId, stage }, `roll back ${stage} (${why})`);
    }
  }

  private async deploy(version: ModelVersionRef, stage: Stage, role: 'primary' | 'canary', percent: number, approvedBy: string[]): Promise<void> {
    const { actions, executionKey, runId } = this.options;
    const key = role === 'canary' ? `${stage}:canary:${percent}` : `${stage}:primary`;
    const summary = `${stage} ${role === 'canary' ? `canary ${percent}%` : 'primary'}: ${version.modelName} v${version.version}`;
    await actions.deploy({ key: `${executionKey}:${key}`, runId, modelVersionId: version.modelVersionId, stage, role, trafficPercent: percent, approvedBy }, summary);
  }

  private async bakeAndCheck(version: ModelVersionRef, stage: Stage, bakeTime: string, checks: StagePlan['checks'], label: string = stage): Promise<void> {
    const { actions, datasetVersionId, modelSpec, thresholds } = this.options;
    const bake = durationMs(bakeTime);
    if (bake > 0) await actions.sleep(bake);
    const result = await actions.check({ modelVersionId: version.modelVersionId, datasetVersionId, spec: modelSpec, checkDataset: checks?.dataset }, `check ${label}`);
    const failures = thresholdFailures(result.metrics, checks?.thresholds ?? thresholds, result.data);
    if (failures.length > 0) throw new RolledBack(failures.map((f) => `${label} check: ${f}`));
  }
}
