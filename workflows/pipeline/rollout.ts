import type { EvaluationActivities } from '../../activities/evaluation/evaluation.activities.js';
import type { ModelVersionRef, RegistryActivities } from '../../activities/registry/registry.activities.js';
import type { ReleaseActivities } from '../../activities/release/release.activities.js';
import { thresholdFailures } from '../../domain/pipeline/decisions.js';
import { durationMs, type AbTestSpec, type MetricName, type PipelineSpec, type ShadowSpec, type Thresholds } from '../../domain/pipeline/spec.js';
import { START, type SequentialState } from '../../domain/release/msprt.js';

type Stage = 'staging' | 'production';
type StagePlan = NonNullable<PipelineSpec['deployment']['staging']>;
type ProductionPlan = PipelineSpec['deployment']['production'];

/** A stage's checks failed: the run rolls back what it deployed. */
export class RolledBack extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
  }
}

type Activity<F extends (...args: never[]) => unknown> = (request: Parameters<F>[0], summary: string) => Promise<Awaited<ReturnType<F>>>;

/** What a release strategy does to the world: the release activities, and the workflow's clock. */
export interface ReleaseActions {
  start: Activity<ReleaseActivities['startRelease']>;
  reportShadow: Activity<ReleaseActivities['reportShadow']>;
  lookAtAbTest: Activity<ReleaseActivities['lookAtAbTest']>;
  finish: Activity<ReleaseActivities['finishRelease']>;
  now: () => number;
}

/** How an A/B test ended: `promoted` or `inconclusive` (a gate decides), or `skipped` (nothing to compare with). */
export type AbTestOutcome = 'promoted' | 'inconclusive' | 'skipped';

/** What a rollout does to the world: the registry, evaluation and release activities, and the workflow's timer. */
export interface RolloutActions {
  deploy: Activity<RegistryActivities['deploy']>;
  rollback: (request: Parameters<RegistryActivities['rollback']>[0], summary: string) => Promise<unknown>;
  check: (request: Parameters<EvaluationActivities['checkStage']>[0], summary: string) => Promise<Awaited<ReturnType<EvaluationActivities['checkStage']>>>;
  sleep: (ms: number) => Promise<void>;
  release: ReleaseActions;
}

export interface RolloutOptions {
  runId: string;
  /** Deployment writes are keyed per execution: a retry reuses its key, a resumed run (a new execution) gets new ones. */
  executionKey: string;
  modelSpec: Parameters<EvaluationActivities['checkStage']>[0]['spec'];
  datasetVersionId: string;
  /** The evaluation thresholds: what a stage checks when it names none of its own. */
  thresholds: Thresholds;
  /** The evaluation's primary metric: what a shadow's metric requirement compares. */
  primaryMetric: MetricName;
  actions: RolloutActions;
}

/**
 * Staged deployment: staging, then production through its canary percentages, each held for its bake
 * time and checked; a failed check throws `RolledBack`, and `rollbackAll` undoes every stage touched.
 */
export class Rollout {
  private readonly deployed = new Set<Stage>();
  /** The release under way, if any: ended with the rollback when the run ends before it decides. */
  private openRelease: string | undefined;

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

  /**
   * A shadow release: the version takes copies of `sample`% of production requests for `duration`, then its report
   * is judged against the spec's requirements; a shortfall throws `RolledBack`. Skipped when nothing else serves
   * production.
   */
  async shadow(version: ModelVersionRef, plan: ShadowSpec, approvedBy: string[]): Promise<{ releaseId: string; status: 'passed' | 'skipped'; pairs: number }> {
    const { actions, runId, executionKey, primaryMetric } = this.options;
    const release = await actions.release.start({ key: `${executionKey}:release:shadow`, runId, modelVersionId: version.modelVersionId, strategy: 'shadow', settings: plan }, 'start shadow release');
    if (!release.championVersionId) return { releaseId: release.releaseId, status: 'skipped', pairs: 0 };
    this.deployed.add('production');
    this.openRelease = release.releaseId;
    const deployment = await this.deploy(version, 'production', 'shadow', plan.sample, approvedBy);
    await actions.sleep(durationMs(plan.duration));
    const window = { releaseId: release.releaseId, deploymentId: deployment.deploymentId, since: deployment.startedAt, until: new Date(actions.release.now()).toISOString() };
    const report = await actions.release.reportShadow({ ...window, primaryMetric }, 'report shadow');
    if (report.failures.length > 0) {
      await this.finishRelease('failed', report.failures.join('; '), 'shadow failed');
      throw new RolledBack(report.failures);
    }
    await this.finishRelease('passed', `${report.pairs} paired predictions met the requirements`, 'shadow passed');
    return { releaseId: release.releaseId, status: 'passed', pairs: report.pairs };
  }

  /**
   * An A/B test: the version takes `traffic`% of production as a canary, and every `checkEvery` the sequential test
   * looks at the labelled log. Promoted when better with confidence; worse throws `RolledBack`; neither by
   * `maxDuration` (or by the planned sample size) is inconclusive, for a gate to decide.
   */
  async abTest(version: ModelVersionRef, plan: AbTestSpec, approvedBy: string[]): Promise<{ releaseId: string; outcome: AbTestOutcome; looks: number }> {
    const { actions, runId, executionKey } = this.options;
    const release = await actions.release.start({ key: `${executionKey}:release:ab-test`, runId, modelVersionId: version.modelVersionId, strategy: 'ab_test', settings: plan }, 'start A/B test');
    if (!release.championVersionId) return { releaseId: release.releaseId, outcome: 'skipped', looks: 0 };
    this.deployed.add('production');
    this.openRelease = release.releaseId;
    const deployment = await this.deploy(version, 'production', 'canary', plan.traffic, approvedBy, 'ab-test');
    const deadline = actions.release.now() + durationMs(plan.maxDuration);
    const finish = (status: 'promoted' | 'rolled_back' | 'inconclusive', outcome: string) => this.finishRelease(status, outcome, `A/B test ${status.replace('_', ' ')}`);
    let state: SequentialState = START;
    for (let look = 1; ; look++) {
      await actions.sleep(Math.max(0, Math.min(durationMs(plan.checkEvery), deadline - actions.release.now())));
      const until = new Date(actions.release.now()).toISOString();
      const result = await actions.release.lookAtAbTest({ releaseId: release.releaseId, deploymentId: deployment.deploymentId, since: deployment.startedAt, until, look, state }, `A/B look ${look}`);
      state = result.figures.state;
      const figures = describeLook(result.figures, plan);
      if (result.verdict === 'promote') return (await finish('promoted', `better: ${figures}`), { releaseId: release.releaseId, outcome: 'promoted', looks: look });
      if (result.verdict === 'roll_back') {
        await finish('rolled_back', `worse: ${figures}`);
        throw new RolledBack([`A/B test: v${version.version} is worse than the primary on ${plan.metric}: ${figures}`]);
      }
      const why = actions.release.now() >= deadline ? `no decision within ${plan.maxDuration}` : result.plannedReached ? 'no decision by the planned sample size' : null;
      if (why) return (await finish('inconclusive', `${why}: ${figures}`), { releaseId: release.releaseId, outcome: 'inconclusive', looks: look });
    }
  }

  /** Undoes production, then staging, for each stage this run deployed to. */
  async rollbackAll(why: string): Promise<void> {
    const { actions, executionKey, runId } = this.options;
    if (this.openRelease) await this.finishRelease('rolled_back', `the run was ${why === 'check failed' ? 'rolled back' : why} before the release decided`, 'end the release');
    for (const stage of ['production', 'staging'] as const) {
      if (!this.deployed.has(stage)) continue;
      await actions.rollback({ key: `${executionKey}:${stage}:rollback`, runId, stage }, `roll back ${stage} (${why})`);
    }
  }

  /** Ends the release under way; it counts as open until its end is recorded, so a run ending meanwhile ends it again (a no-op). */
  private async finishRelease(status: Parameters<ReleaseActions['finish']>[0]['status'], outcome: string, summary: string): Promise<void> {
    await this.options.actions.release.finish({ releaseId: this.openRelease!, status, outcome }, summary);
    this.openRelease = undefined;
  }

  private async deploy(version: ModelVersionRef, stage: Stage, role: 'primary' | 'canary' | 'shadow', percent: number, approvedBy: string[], purpose?: 'ab-test') {
    const { actions, executionKey, runId } = this.options;
    const key = purpose ? `${stage}:${purpose}` : role === 'primary' ? `${stage}:primary` : `${stage}:${role}:${percent}`;
    const what = purpose === 'ab-test' ? `A/B test ${percent}%` : role === 'primary' ? 'primary' : `${role} ${percent}%`;
    return await actions.deploy({ key: `${executionKey}:${key}`, runId, modelVersionId: version.modelVersionId, stage, role, trafficPercent: percent, approvedBy }, `${stage} ${what}: ${version.modelName} v${version.version}`);
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

/** A look's figures in words: the difference, its confidence sequence and p-value, and the labelled samples per arm. */
function describeLook(figures: Awaited<ReturnType<ReleaseActivities['lookAtAbTest']>>['figures'], plan: AbTestSpec): string {
  const { state, champion, challenger } = figures;
  const round = (x: number | null) => (x === null ? '∞' : String(Math.round(x * 10_000) / 10_000));
  const interval = `[${state.lower === null ? '-∞' : round(state.lower)}, ${round(state.upper)}]`;
  const p = state.pValue < 1e-4 ? state.pValue.toExponential(1) : round(state.pValue);
  return `${plan.metric} difference ${round(state.estimate)} in ${interval} at ${Math.round((1 - plan.alpha) * 100)}% (p ${p}) on ${challenger.labelled} vs ${champion.labelled} labelled predictions`;
}
