import { describe, expect, it } from 'vitest';
import { RolledBack, Rollout, type RolloutActions } from '../../workflows/pipeline/rollout.js';

/**
 * The rollout on its own, outside a workflow. The registry, the stage checks and the timer are fakes
 * that write down what they were asked, so the order of deployments, bakes, checks and rollbacks is
 * what is tested; the real activities are exercised by the pipeline's workflow tests.
 */
const version = { modelVersionId: 'mv-1', modelName: 'churn', version: 3, artifactSha256: 'abc' };

type Look = Awaited<ReturnType<RolloutActions['release']['lookAtAbTest']>>;

/** A fake world; `verdicts` are what successive A/B looks return, `shadowFailures` what the shadow report misses. */
function fakeWorld(failOn?: string, options: { verdicts?: Look['verdict'][]; shadowFailures?: string[]; champion?: boolean; stallAfterSleeps?: number } = {}) {
  const calls: string[] = [];
  let clock = 0;
  const verdicts = [...(options.verdicts ?? [])];
  const actions: RolloutActions = {
    deploy: async (r) => (calls.push(`deploy ${r.stage} ${r.role} ${r.trafficPercent}% key=${r.key} by=${r.approvedBy.join(',')}`), { deploymentId: `dep-${calls.length}`, startedAt: 'T0', auditSeq: 1, auditHash: 'h' }),
    rollback: async (r) => (calls.push(`rollback ${r.stage} key=${r.key}`), { restoredVersionId: null, auditSeq: 1, auditHash: 'h' }),
    check: async (r, summary) => {
      calls.push(`${summary} on ${r.checkDataset ? `${r.checkDataset.name}@v${r.checkDataset.version}` : 'test split'}`);
      return { metrics: { accuracy: summary === failOn ? 0.5 : 0.9 }, rows: 100, data: 'test split' } as never;
    },
    sleep: (ms) => {
      // A timer that never fires once `stallAfterSleeps` have: the run is waiting when something else ends it.
      if (calls.filter((c) => c.startsWith('bake')).length >= (options.stallAfterSleeps ?? Infinity)) return new Promise<void>(() => undefined);
      clock += ms;
      calls.push(`bake ${ms / 1000}s`);
      return Promise.resolve();
    },
    release: {
      start: async (r) => (calls.push(`start ${r.strategy} key=${r.key}`), { releaseId: 'rel-1', championVersionId: options.champion === false ? null : 'mv-0' }),
      reportShadow: async (r) => (calls.push(`report shadow ${r.deploymentId} since ${r.since} until ${r.until} on ${r.primaryMetric}`), { failures: options.shadowFailures ?? [], pairs: 40 }),
      lookAtAbTest: async (r) => {
        calls.push(`look ${r.look} at ${r.until} after ${r.state.looks} looks`);
        const state = { ...r.state, looks: r.state.looks + 1, estimate: 0.05, lower: 0.01, upper: 0.09, pValue: 0.01 };
        const arm = { version: 1, predictions: 100, labelled: 80, estimate: 0.8 };
        return { figures: { look: r.look, at: r.until, champion: arm, challenger: arm, state, plannedSamples: null }, verdict: verdicts.shift() ?? 'continue', plannedReached: false };
      },
      finish: async (r) => void calls.push(`finish ${r.status}: ${r.outcome}`),
      now: () => clock,
    },
  };
  const rollout = new Rollout({ runId: 'run-1', executionKey: 'wf:exec', modelSpec: {} as never, datasetVersionId: 'dv-1', thresholds: { accuracy: { min: 0.8 } }, primaryMetric: 'accuracy', actions });
  return { calls, rollout };
}

describe('staged rollout', () => {
  it('deploys to staging, then through each canary to production, baking and checking each', async () => {
    const { calls, rollout } = fakeWorld();
    await rollout.staging(version, { bakeTime: '10s', checks: { dataset: { name: 'holdout', version: 2 } } } as never, ['ana']);
    expect(await rollout.production(version, { canary: [10, 50], bakeTime: '1m' } as never, ['ana'])).toEqual({ stage: 'production', modelVersionId: 'mv-1', canary: [10, 50] });
    expect(calls).toEqual([
      'deploy staging primary 100% key=wf:exec:staging:primary by=ana',
      'bake 10s',
      'check staging on holdout@v2',
      'deploy production canary 10% key=wf:exec:production:canary:10 by=ana',
      'bake 60s',
      'check canary 10% on test split',
      'deploy production canary 50% key=wf:exec:production:canary:50 by=ana',
      'bake 60s',
      'check canary 50% on test split',
      // The last canary's bake already covered the primary: no second wait.
      'deploy production primary 100% key=wf:exec:production:primary by=ana',
      'check production on test split',
    ]);
  });

  it('stops at the failing canary with the reason, and rolls back production, then staging', async () => {
    const { calls, rollout } = fakeWorld('check canary 50%');
    await rollout.staging(version, { bakeTime: '0s' } as never, []);
    const failure = await rollout.production(version, { canary: [10, 50], bakeTime: '0s' } as never, []).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RolledBack);
    expect((failure as RolledBack).reasons).toEqual(['canary 50% check: accuracy 0.5 is below the minimum 0.8 on the test split data']);
    expect(calls.at(-1)).toBe('check canary 50% on test split');
    calls.length = 0;
    await rollout.rollbackAll('check failed');
    expect(calls).toEqual(['rollback production key=wf:exec:production:rollback', 'rollback staging key=wf:exec:staging:rollback']);
  });

  it('rolls back only the stages it touched, and a stage’s own thresholds replace the evaluation’s', async () => {
    const { calls, rollout } = fakeWorld();
    await rollout.rollbackAll('cancelled');
    expect(calls).toEqual([]);
    const failure = await rollout.production(version, { canary: [], bakeTime: '0s', checks: { thresholds: { accuracy: { min: 0.95 } } } } as never, []).catch((e: unknown) => e);
    expect((failure as RolledBack).reasons).toEqual(['production check: accuracy 0.9 is below the minimum 0.95 on the test split data']);
    calls.length = 0;
    await rollout.rollbackAll('check failed');
    expect(calls).toEqual(['rollback production key=wf:exec:production:rollback']);
  });
});

describe('release strategies', () => {
  const abTest = { traffic: 50, metric: 'accuracy', minimumDetectableEffect: 0.05, alpha: 0.05, power: 0.8, maxDuration: '3h', checkEvery: '1h', gate: 'ab' } as const;

  it('shadows production for its duration, reports on the window it served, and passes before promotion ends the shadow', async () => {
    const { calls, rollout } = fakeWorld();
    expect(await rollout.shadow(version, { duration: '2h', sample: 25 }, ['ana'])).toEqual({ releaseId: 'rel-1', status: 'passed', pairs: 40 });
    await rollout.production(version, { canary: [], bakeTime: '0s' } as never, ['ana']);
    expect(calls).toEqual([
      'start shadow key=wf:exec:release:shadow',
      'deploy production shadow 25% key=wf:exec:production:shadow:25 by=ana',
      'bake 7200s',
      'report shadow dep-2 since T0 until 1970-01-01T02:00:00.000Z on accuracy',
      'finish passed: 40 paired predictions met the requirements',
      'deploy production primary 100% key=wf:exec:production:primary by=ana',
      'check production on test split',
    ]);
  });

  it('rolls back a shadow whose report misses a requirement, naming it', async () => {
    const { calls, rollout } = fakeWorld(undefined, { shadowFailures: ['shadow agreement: 0.7 on 40 pairs, required ≥ 0.9'] });
    const failure = await rollout.shadow(version, { duration: '1h', sample: 100 }, []).catch((e: unknown) => e);
    expect((failure as RolledBack).reasons).toEqual(['shadow agreement: 0.7 on 40 pairs, required ≥ 0.9']);
    expect(calls.at(-1)).toBe('finish failed: shadow agreement: 0.7 on 40 pairs, required ≥ 0.9');
    calls.length = 0;
    await rollout.rollbackAll('check failed');
    expect(calls).toEqual(['rollback production key=wf:exec:production:rollback']);
  });

  it('skips a strategy when nothing else serves production, deploying nothing for it', async () => {
    const { calls, rollout } = fakeWorld(undefined, { champion: false });
    expect((await rollout.shadow(version, { duration: '1h', sample: 100 }, [])).status).toBe('skipped');
    expect((await rollout.abTest(version, abTest, [])).outcome).toBe('skipped');
    expect(calls).toEqual(['start shadow key=wf:exec:release:shadow', 'start ab_test key=wf:exec:release:ab-test']);
    await rollout.rollbackAll('cancelled');
    expect(calls).toHaveLength(2);
  });

  it('looks every checkEvery, carrying the test state from look to look, and promotes on the verdict', async () => {
    const { calls, rollout } = fakeWorld(undefined, { verdicts: ['continue', 'promote'] });
    expect(await rollout.abTest(version, abTest, ['ana'])).toEqual({ releaseId: 'rel-1', outcome: 'promoted', looks: 2 });
    expect(calls).toEqual([
      'start ab_test key=wf:exec:release:ab-test',
      'deploy production canary 50% key=wf:exec:production:ab-test by=ana',
      'bake 3600s',
      'look 1 at 1970-01-01T01:00:00.000Z after 0 looks',
      'bake 3600s',
      'look 2 at 1970-01-01T02:00:00.000Z after 1 looks',
      'finish promoted: better: accuracy difference 0.05 in [0.01, 0.09] at 95% (p 0.01) on 80 vs 80 labelled predictions',
    ]);
  });

  it('ends a release still deciding when the run ends, before rolling back what it deployed', async () => {
    const { calls, rollout } = fakeWorld(undefined, { verdicts: ['continue'], stallAfterSleeps: 1 });
    void rollout.abTest(version, abTest, []);
    // The test is mid-way (its second look never comes, as for a run cancelled during its wait).
    await expect.poll(() => calls.at(-1)).toBe('look 1 at 1970-01-01T01:00:00.000Z after 0 looks');
    calls.length = 0;
    await rollout.rollbackAll('cancelled');
    expect(calls).toEqual(['finish rolled_back: the run was cancelled before the release decided', 'rollback production key=wf:exec:production:rollback']);
    await rollout.rollbackAll('cancelled');
    expect(calls.filter((c) => c.startsWith('finish'))).toHaveLength(1);
  });

  it('rolls back a worse challenger, and stops as inconclusive at maxDuration', async () => {
    const worse = fakeWorld(undefined, { verdicts: ['roll_back'] });
    const failure = await worse.rollout.abTest(version, abTest, []).catch((e: unknown) => e);
    expect((failure as RolledBack).reasons[0]).toMatch(/^A\/B test: v3 is worse than the primary on accuracy: accuracy difference/);
    expect(worse.calls.at(-1)).toMatch(/^finish rolled_back: worse: /);
    const undecided = fakeWorld();
    expect(await undecided.rollout.abTest(version, abTest, [])).toEqual({ releaseId: 'rel-1', outcome: 'inconclusive', looks: 3 });
    expect(undecided.calls.filter((c) => c.startsWith('look'))).toHaveLength(3);
    expect(undecided.calls.at(-1)).toMatch(/^finish inconclusive: no decision within 3h: /);
  });
});
