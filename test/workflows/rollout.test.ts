import { describe, expect, it } from 'vitest';
import { RolledBack, Rollout, type RolloutActions } from '../../workflows/pipeline/rollout.js';

/**
 * The rollout on its own, outside a workflow. The registry, the stage checks and the timer are fakes
 * that write down what they were asked, so the order of deployments, bakes, checks and rollbacks is
 * what is tested; the real activities are exercised by the pipeline's workflow tests.
 */
const version = { modelVersionId: 'mv-1', modelName: 'churn', version: 3, artifactSha256: 'abc' };

function fakeWorld(failOn?: string) {
  const calls: string[] = [];
  const actions: RolloutActions = {
    deploy: async (r) => calls.push(`deploy ${r.stage} ${r.role} ${r.trafficPercent}% key=${r.key} by=${r.approvedBy.join(',')}`),
    rollback: async (r) => calls.push(`rollback ${r.stage} key=${r.key}`),
    check: async (r, summary) => {
      calls.push(`${summary} on ${r.checkDataset ? `${r.checkDataset.name}@v${r.checkDataset.version}` : 'test split'}`);
      return { metrics: { accuracy: summary === failOn ? 0.5 : 0.9 }, rows: 100, data: 'test split' };
    },
    sleep: async (ms) => void calls.push(`bake ${ms / 1000}s`),
  };
  const rollout = new Rollout({ runId: 'run-1', executionKey: 'wf:exec', modelSpec: {} as never, datasetVersionId: 'dv-1', thresholds: { accuracy: { min: 0.8 } }, actions });
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
