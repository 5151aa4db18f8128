import type { Repositories } from '../../db/repositories/index.js';
import type { ArmWindow } from '../../db/repositories/releases.js';
import type { ReleaseRow } from '../../db/schema/index.js';
import { LOWER_IS_BETTER, type AbTestSpec, type MetricName, type ShadowSpec } from '../../domain/pipeline/spec.js';
import { armFromMoments, look, mixingVariance, plannedSamples, verdict, type ArmEstimate, type SequentialConfig, type SequentialState, type Verdict } from '../../domain/release/msprt.js';
import type { AbLook, AbTestReport, ArmFigures, ReleaseStatus, ReleaseStrategy } from '../../domain/release/report.js';
import { rocAuc } from '../../ml/metrics.js';
import { auditFromActivity } from '../audit.js';
import { publishFromActivity } from '../events/publish.js';
import { FailureType, permanentFailure } from '../failures.js';
import { SHADOW_REPORT_PAIRS, shadowReport } from './shadow-report.js';

/** Labelled predictions each arm needs before a look may decide: below it, the normal approximation is not trusted. */
export const AB_TEST_MIN_SAMPLES = 100;

export interface ReleaseRef {
  releaseId: string;
  /** The version serving production as the release began, with its number; null when none did (the release is skipped). */
  championVersionId: string | null;
}

/** Where the challenger serves and since when: the window a report or look reads. */
export interface ReleaseWindow {
  releaseId: string;
  deploymentId: string;
  since: string;
  /** The workflow's time at this look: predictions and labels after it are left to the next. */
  until: string;
}

export function createReleaseActivities({ repos }: { repos: Repositories }) {
  return {
    /** Records that a release begins, against the primary serving production now. Keyed by `key`. */
    async startRelease(input: { key: string; runId: string; modelVersionId: string; strategy: ReleaseStrategy; settings: ShadowSpec | AbTestSpec }): Promise<ReleaseRef> {
      const challenger = await repos.registry.findVersion(input.modelVersionId);
      if (!challenger) throw permanentFailure(FailureType.ModelNotFound, `model version ${input.modelVersionId} does not exist`);
      const serving = (await repos.registry.activeOfModels([challenger.modelId])).find((d) => d.stage === 'production' && d.role === 'primary');
      const champion = serving && serving.modelVersionId !== challenger.id ? serving : undefined;
      const row = await repos.releases.start({
        runId: input.runId,
        modelId: challenger.modelId,
        strategy: input.strategy,
        challengerVersionId: challenger.id,
        championVersionId: champion?.modelVersionId ?? null,
        settings: input.settings,
        status: champion ? 'running' : 'skipped',
        outcome: champion ? null : 'no other version serves production to compare with: released without the strategy',
        idempotencyKey: input.key,
        startedAt: new Date(),
        endedAt: champion ? null : new Date(),
      });
      await auditFromActivity(repos, {
        action: 'release.started',
        subjectType: 'run',
        subjectId: input.runId,
        payload: { releaseId: row.id, strategy: row.strategy, challengerVersionId: row.challengerVersionId, championVersionId: row.championVersionId, status: row.status, settings: row.settings },
      });
      return { releaseId: row.id, championVersionId: row.championVersionId };
    },

    /** Judges a shadow on the log so far: stores its report and returns the spec's requirements it missed. */
    async reportShadow(input: ReleaseWindow & { primaryMetric: MetricName }): Promise<{ failures: string[]; pairs: number }> {
      const { release, champion, challenger } = await releaseOf(repos, input);
      const since = new Date(input.since);
      const until = new Date(input.until);
      const [pairCount, pairs] = await Promise.all([
        repos.releases.shadowPairCount(challenger.id, since, until),
        repos.releases.shadowPairs(challenger.id, since, until, SHADOW_REPORT_PAIRS),
      ]);
      const report = shadowReport({ at: until, task: challenger.task, primaryVersion: champion.version, shadowVersion: challenger.version, primaryMetric: input.primaryMetric, pairCount, pairs, require: (release.settings as ShadowSpec).require });
      await repos.releases.setReport(release.id, report);
      return { failures: report.checks.filter((c) => !c.passed).map((c) => `shadow ${c.name}: ${c.actual}, required ${c.required}`), pairs: pairCount };
    },

    /**
     * One look at an A/B test: each arm's labelled predictions up to `until`, the sequential test updated from
     * `state`, and its verdict. The look is recorded once by its number, and a retry returns what was recorded.
     */
    async lookAtAbTest(input: ReleaseWindow & { look: number; state: SequentialState }): Promise<{ figures: AbLook; verdict: Verdict; plannedReached: boolean }> {
      const { release, champion, challenger } = await releaseOf(repos, input);
      const settings = release.settings as AbTestSpec;
      const window = { since: new Date(input.since), until: new Date(input.until) };
      const [championArm, challengerArm] = await Promise.all([
        armOf(repos, { ...window, modelVersionId: champion.id, role: 'primary' }, settings.metric),
        armOf(repos, { ...window, modelVersionId: challenger.id, role: 'canary' }, settings.metric),
      ]);
      const config = sequentialConfig(settings);
      const [a, b] = [championArm.estimate, challengerArm.estimate];
      const state = a && b ? look(input.state, a, b, config) : { ...input.state, looks: input.state.looks + 1 };
      const planned = a ? plannedOf(settings, a) : null;
      const figures = await repos.releases.look(release.id, {
        look: input.look,
        at: input.until,
        champion: { version: champion.version, ...championArm.figures },
        challenger: { version: challenger.version, ...challengerArm.figures },
        state,
        plannedSamples: planned,
      });
      await repos.releases.setReport(release.id, { ...abTestSettings(settings), latest: figures } satisfies AbTestReport);
      const reached = figures.plannedSamples !== null && figures.champion.labelled >= figures.plannedSamples.champion && figures.challenger.labelled >= figures.plannedSamples.challenger;
      return { figures, verdict: verdict(figures.state, directionOf(settings.metric), config), plannedReached: reached };
    },

    /** Ends a release with its outcome, audited with the figures it was decided on; a retry changes nothing. */
    async finishRelease(input: { releaseId: string; status: ReleaseStatus; outcome: string }): Promise<void> {
      const release = await repos.releases.get(input.releaseId);
      if (!release) throw permanentFailure(FailureType.BadInput, `release ${input.releaseId} does not exist`);
      await repos.releases.finish(input.releaseId, input.status, input.outcome, new Date());
      const ended = (await repos.releases.get(input.releaseId))!;
      const challenger = await repos.registry.findVersion(release.challengerVersionId);
      const model = challenger ? (await repos.registry.findModelsByIds([challenger.modelId]))[0] : undefined;
      await auditFromActivity(repos, {
        action: 'release.decided',
        subjectType: 'run',
        subjectId: release.runId,
        payload: { releaseId: release.id, strategy: release.strategy, status: ended.status, outcome: ended.outcome, report: figuresOf(ended) },
      });
      await publishFromActivity(repos, {
        key: `release:${release.id}:decided`,
        type: 'release.decided',
        modelName: model?.name ?? null,
        message: `${model?.name ?? 'a model'} v${challenger?.version ?? '?'}: ${release.strategy === 'shadow' ? 'shadow' : 'A/B test'} ${ended.status.replace('_', ' ')}: ${ended.outcome}`,
        data: { releaseId: release.id, runId: release.runId, strategy: release.strategy, status: ended.status, outcome: ended.outcome },
      });
    },
  };
}

export type ReleaseActivities = ReturnType<typeof createReleaseActivities>;

async function releaseOf(repos: Repositories, input: ReleaseWindow) {
  const release = await repos.releases.get(input.releaseId);
  if (!release?.championVersionId) throw permanentFailure(FailureType.BadInput, `release ${input.releaseId} does not exist or has no champion`);
  if (release.deploymentId !== input.deploymentId) await repos.releases.setDeployment(release.id, input.deploymentId);
  const versions = new Map((await repos.registry.findVersionsByIds([release.championVersionId, release.challengerVersionId])).map((v) => [v.id, v]));
  return { release, champion: versions.get(release.championVersionId)!, challenger: versions.get(release.challengerVersionId)! };
}

/** What the audit keeps of a release's report: the A/B figures whole; of a shadow's, its counts, agreement and checks. */
function figuresOf(release: ReleaseRow): unknown {
  const report = release.report;
  if (!report || release.strategy === 'ab_test') return report;
  const shadow = report as Extract<ReleaseRow['report'], { pairs: number }>;
  return { pairs: shadow.pairs, labelled: shadow.labelled, agreement: shadow.agreement, checks: shadow.checks };
}

function directionOf(metric: AbTestSpec['metric']): 'higher' | 'lower' {
  return LOWER_IS_BETTER.has(metric as MetricName) || metric === 'mse' ? 'lower' : 'higher';
}

function sequentialConfig(settings: AbTestSpec): SequentialConfig {
  return { alpha: settings.alpha, tau2: mixingVariance(settings.minimumDetectableEffect), minSamples: AB_TEST_MIN_SAMPLES };
}

function abTestSettings(settings: AbTestSpec): Omit<AbTestReport, 'latest'> {
  const { metric, alpha, power, minimumDetectableEffect, traffic } = settings;
  return { metric, direction: directionOf(metric), alpha, power, minimumDetectableEffect, traffic };
}

/** Labelled samples per arm planned for the test, from the champion's per-prediction variance as observed so far. */
function plannedOf(settings: AbTestSpec, champion: ArmEstimate): AbLook['plannedSamples'] {
  const variance = champion.estimateVariance * champion.n;
  if (!(variance > 0) || champion.n < 2) return null;
  const planned = plannedSamples({ minimumDetectableEffect: settings.minimumDetectableEffect, alpha: settings.alpha, power: settings.power, variance, challengerShare: settings.traffic / 100, tau2: mixingVariance(settings.minimumDetectableEffect) });
  // Never fewer than a look needs to decide at all: a test must not stop as planned before it could have decided.
  return { champion: Math.max(planned.champion, AB_TEST_MIN_SAMPLES), challenger: Math.max(planned.challenger, AB_TEST_MIN_SAMPLES) };
}

/** An arm's figures and its estimate for the test (null with fewer than two labelled predictions). */
async function armOf(repos: Repositories, arm: ArmWindow, metric: AbTestSpec['metric']): Promise<{ figures: Omit<ArmFigures, 'version'>; estimate: ArmEstimate | null }> {
  if (metric === 'rocAuc') return await aucArm(repos, arm);
  const moments = await repos.releases.armMoments(arm, metric);
  const n = moments.labelled;
  const mean = n > 0 ? moments.sum / n : null;
  const variance = n > 1 ? Math.max(0, (moments.sumOfSquares - n * mean! * mean!) / (n - 1)) : 0;
  return { figures: { predictions: moments.predictions, labelled: n, estimate: mean }, estimate: n > 1 ? armFromMoments(n, mean!, variance) : null };
}

/**
 * An arm's ROC AUC, with the Hanley–McNeil (1982) variance of the estimate. The positive class is the second of
 * the two in sorted order, as elsewhere in Custody; a model with more classes cannot be A/B tested on rocAuc.
 */
async function aucArm(repos: Repositories, arm: ArmWindow): Promise<{ figures: Omit<ArmFigures, 'version'>; estimate: ArmEstimate | null }> {
  const classes = (await repos.releases.armClasses(arm)).sort();
  if (classes.length > 2) throw permanentFailure(FailureType.BadInput, `rocAuc needs a binary classifier; version predicts ${classes.length} classes`);
  const positive = classes[1] ?? classes[0] ?? '';
  const { predictions, scores, positives } = await repos.releases.armScores(arm, positive);
  const nPos = positives.filter(Boolean).length;
  const nNeg = positives.length - nPos;
  if (nPos === 0 || nNeg === 0) return { figures: { predictions, labelled: scores.length, estimate: null }, estimate: null };
  const auc = rocAuc(positives, scores);
  // At 0 or 1 the Hanley–McNeil variance is 0: the normal model cannot weigh the arm yet, so the look decides nothing.
  if (auc <= 0 || auc >= 1) return { figures: { predictions, labelled: scores.length, estimate: auc }, estimate: null };
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance = (auc * (1 - auc) + (nPos - 1) * (q1 - auc * auc) + (nNeg - 1) * (q2 - auc * auc)) / (nPos * nNeg);
  return { figures: { predictions, labelled: scores.length, estimate: auc }, estimate: { n: scores.length, estimate: auc, estimateVariance: Math.max(variance, 1e-12) } };
}
