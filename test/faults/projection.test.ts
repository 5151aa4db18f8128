import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../clients/payload-codec.js';
import { decodePayloads, historyProjection, mapPayloads, projectionViolations, type Execution, type HistoryEvent, type ProjectionRows } from '../../faults/projection.js';
import { Keyring } from '../../storage/encryption/keyring.js';
import { HISTORIES_DIR } from '../support/histories.js';

/** A recorded history (test/fixtures/histories) as one execution, under the run id its start names. */
function recorded(name: string): Execution {
  const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8')));
  const events = history.events ?? [];
  return { runId: events[0]!.workflowExecutionStartedEventAttributes!.originalExecutionRunId!, events };
}

const stepsOf = (execution: Execution) => Object.fromEntries([...historyProjection([execution]).steps].map(([name, allowed]) => [name, allowed?.join(' or ')]));

describe('what a recorded history says a run holds', () => {
  it('reads steps, trials, gates and deployments of a rolled-back canary', () => {
    const projection = historyProjection([recorded('v7-rolled-back-canary')]);
    expect(projection.statuses).toEqual(['rolled_back']);
    expect(stepsOf(recorded('v7-rolled-back-canary'))).toEqual({
      'register-dataset': 'succeeded',
      'validate-data': 'succeeded',
      train: 'succeeded',
      evaluate: 'succeeded',
      'register-model': 'succeeded',
      'gate:production-approval': 'succeeded',
      'deploy:staging': 'succeeded',
      'deploy:production': 'failed',
    });
    expect([...projection.trials.values()].map((t) => t.ended)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(projection.gates).toEqual([expect.objectContaining({ recorded: 1, accepted: [{ gate: 'production-approval', actor: 'approver@example.com', decision: 'approve' }], timer: 0 })]);
    expect(projection.deploys.map((d) => [d.stage, d.role, d.trafficPercent, d.ended])).toEqual([
      ['staging', 'primary', 100, 'completed'],
      ['production', 'canary', 10, 'completed'],
    ]);
    expect(projection.rollbacks.map((r) => [r.stage, r.restoredVersionId])).toEqual([
      ['production', null],
      ['staging', 'd18d53cd-7138-4c7d-bf2d-5019de77776b'],
    ]);
  });

  it('tells how the last step ended from how the run ended, and a step that returned from one that did not', () => {
    expect(stepsOf(recorded('v7-cancelled-during-training'))).toMatchObject({ 'validate-data': 'succeeded', train: 'cancelled' });
    expect(stepsOf(recorded('v7-failed-data-validation'))).toEqual({ 'register-dataset': 'succeeded', 'validate-data': 'failed' });
    expect(stepsOf(recorded('v7-rejected-on-gate-timeout'))).toMatchObject({ 'gate:production-approval': 'failed' });
    // The privacy draw between validation and training failed the run: validation itself had succeeded.
    expect(stepsOf(recorded('v7-private-run-refused-by-its-budget'))).toEqual({ 'register-dataset': 'succeeded', 'validate-data': 'succeeded' });
    expect(stepsOf(recorded('v7-resumed-after-failure'))).toEqual({
      'register-dataset': 'reused',
      'validate-data': 'reused',
      train: 'reused',
      evaluate: 'reused',
      'register-model': 'reused',
      'gate:production-approval': 'reused',
      'deploy:staging': 'succeeded',
      'deploy:production': 'succeeded',
    });
  });

  it('reads the same steps from the summaries of runs since generation 3 as from the search attributes of runs before', () => {
    const reRecorded = ['rolled-back-canary', 'cancelled-during-training', 'failed-data-validation', 'rejected-on-gate-timeout', 'private-run-refused-by-its-budget', 'resumed-after-failure', 'succeeded-after-signal'];
    for (const name of reRecorded) {
      const events = recorded(name).events;
      expect(events.some((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.CustodyStage), name).toBe(false);
      expect(stepsOf(recorded(name)), name).toEqual(stepsOf(recorded(`v7-${name}`)));
    }
  });

  it("counts a gate's decisions by update, by signal and by its timer", () => {
    // Escalated by the timer, one update refused (the approver lacked the role), one accepted (an admin's).
    expect(historyProjection([recorded('v7-escalated-then-approved')]).gates).toEqual([
      expect.objectContaining({ recorded: 3, accepted: [{ gate: 'sign-off', actor: 'admin@example.com', decision: 'approve' }], refused: 1, signals: [], timer: 1 }),
    ]);
    expect(historyProjection([recorded('v7-rejected-on-gate-timeout')]).gates).toEqual([expect.objectContaining({ recorded: 1, accepted: [], timer: 1 })]);
    expect(historyProjection([recorded('v7-succeeded-after-signal')]).gates).toEqual([
      expect.objectContaining({ recorded: 1, accepted: [], signals: [{ actor: 'approver@example.com', decision: 'approve' }], timer: 0 }),
    ]);
  });

  it('reads a trial whose activity timed out as not succeeded', () => {
    expect([...historyProjection([recorded('v7-cancelled-while-trials-timed-out')]).trials]).toEqual([[0, { ended: 'timed out' }]]);
  });
});

// The rows the rolled-back canary run (test/workflows/pipeline-lifecycle.test.ts) left: what its history says.
const RUN = '18150122-f38b-49c0-9b81-c8717c59054d';
const EXECUTION = '01a24df6-a4c4-77cd-a437-90e568b4b562';
const KEY = `pipeline-flowers-${RUN}:${EXECUTION}`;
const VERSION = '1d47242e-9894-48da-890c-15dd3e29b36b';

function rolledBackRows(): ProjectionRows {
  const succeeded = ['register-dataset', 'validate-data', 'train', 'evaluate', 'register-model', 'gate:production-approval', 'deploy:staging'];
  return {
    status: 'rolled_back',
    steps: [...succeeded.map((name) => ({ name, status: 'succeeded' })), { name: 'deploy:production', status: 'failed' }],
    trials: [
      { index: 0, id: '6853653a-6a7d-4b44-accc-c560e9ac0cd5', artifactSha256: '06f80c8567135d5ca1131ac7b406724c26ad7d1a08712e7ee74ef0f3727dc6e4' },
      { index: 1, id: 'dcf74311-2aab-47b6-ae22-acc581a20ef8', artifactSha256: 'e3d4c3e4572facfc4c2a75d3fa6fd04fd59d8ad877ff946dc06148bd7f635097' },
      { index: 2, id: '20a83d85-1718-4266-a942-6e1f2557f58d', artifactSha256: 'c2457aae695d2b901ab27218968d6844fc37da14b4ecd275f985818800a6f98d' },
      { index: 3, id: '2cf34e06-6bcb-4f8f-9ee4-53724c349812', artifactSha256: 'a9419b52520bdbbba084377fd260a6dd32074da124fe17e3385893c4d3f59f8c' },
    ].map((t) => ({ ...t, status: 'succeeded' })),
    gateDecisions: [{ gate: 'production-approval', sequence: `${EXECUTION}:1`, actor: 'approver@example.com', decision: 'approve', via: 'api' }],
    deployments: [
      { id: '63afb58c-a1f9-451b-bb19-8e1ec18b3e3e', idempotencyKey: `${KEY}:staging:primary`, modelVersionId: VERSION, stage: 'staging', role: 'primary', trafficPercent: 100, ended: true },
      { id: '0f5c7304-4d8f-4913-a5d5-318ea1e04b32', idempotencyKey: `${KEY}:production:canary:10`, modelVersionId: VERSION, stage: 'production', role: 'canary', trafficPercent: 10, ended: true },
      // The staging primary the rollback put back: version 1, under the rollback's key.
      { id: '5f0d7e6a-0000-4000-8000-000000000001', idempotencyKey: `${KEY}:staging:rollback`, modelVersionId: 'd18d53cd-7138-4c7d-bf2d-5019de77776b', stage: 'staging', role: 'primary', trafficPercent: 100, ended: false },
    ],
  };
}

describe("comparing a run's rows with its history", () => {
  it('finds nothing when they agree', () => {
    expect(projectionViolations(RUN, [recorded('v7-rolled-back-canary')], rolledBackRows())).toEqual([]);
  });

  const planted: [string, (rows: ProjectionRows) => void, RegExp[]][] = [
    ['a wrong run status', (rows) => (rows.status = 'succeeded'), [/status: history says the workflow completed rolled_back, row says succeeded$/]],
    ['a missing step row', (rows) => (rows.steps = rows.steps.filter((s) => s.name !== 'train')), [/step train: history says succeeded, row says no row$/]],
    ['a step with the wrong status', (rows) => (rows.steps.find((s) => s.name === 'deploy:production')!.status = 'succeeded'), [/step deploy:production: history says failed, row says succeeded$/]],
    ['a step the run never reached', (rows) => rows.steps.push({ name: 'gate:security', status: 'succeeded' }), [/step gate:security: history says the run never reached it, row says succeeded$/]],
    ['a missing trial', (rows) => (rows.trials = rows.trials.filter((t) => t.index !== 2)), [/trial 2: history says succeeded \(trial 20a83d85-.*\), row says no row$/]],
    ['a trial with the wrong status', (rows) => (rows.trials[1]!.status = 'failed'), [/trial 1: history says succeeded \(trial dcf74311-.*\), row says failed \(trial dcf74311-/]],
    ['a trial no activity trained', (rows) => rows.trials.push({ index: 4, id: 'f0000000-0000-4000-8000-000000000004', status: 'succeeded', artifactSha256: null }), [/trial 4: history says no training activity, row says succeeded/]],
    [
      'an extra gate decision',
      (rows) => rows.gateDecisions.push({ gate: 'production-approval', sequence: `${EXECUTION}:2`, actor: 'cy@example.com', decision: 'approve', via: 'api' }),
      [
        /gate decision 01a24df6-a4c4-77cd-a437-90e568b4b562:2 \(approve by cy@example.com on production-approval via api\): history says execution .* recorded 1 decisions, row says decision number 2$/,
        /accepted gate decisions by update in execution .*: history says approve by approver@example.com on production-approval, row says approve by approver@example.com on production-approval, approve by cy@example.com on production-approval$/,
      ],
    ],
    [
      'a missing gate decision',
      (rows) => (rows.gateDecisions = []),
      [/accepted gate decisions by update in execution .*: history says approve by approver@example.com on production-approval, row says none$/],
    ],
    [
      'a decision by the timer that never fired',
      (rows) => (rows.gateDecisions[0] = { ...rows.gateDecisions[0]!, actor: 'system:timeout', decision: 'timeout', via: 'timer' }),
      [/by update .*history says approve by approver@example.com on production-approval, row says none$/, /by the timer .*: history says 0 \(of 1 recorded\), row says timeout by system:timeout/],
    ],
    [
      'a wrong deployment',
      (rows) => (rows.deployments[1]!.trafficPercent = 50),
      [/deployment .*:production:canary:10: history says production canary 10% of version 1d47242e-.* \(deployment 0f5c7304-.*\), row says production canary 50% of version/],
    ],
    ['a missing deployment', (rows) => rows.deployments.splice(0, 1), [/deployment .*:staging:primary: history says staging primary 100% of version 1d47242e-.*, row says no row$/]],
    ['a deployment its rollback left active', (rows) => (rows.deployments[1]!.ended = false), [/deployment .*:production:canary:10: history says ended by rollback .*:production:rollback, row says still active$/]],
    ['a version the rollback did not restore', (rows) => rows.deployments.pop(), [/deployment .*:staging:rollback: history says the rollback restored staging primary 100% of version d18d53cd-.*, row says no row$/]],
    [
      'a deployment under a key the history never used',
      (rows) => rows.deployments.push({ ...rows.deployments[0]!, id: 'a0000000-0000-4000-8000-00000000000a', idempotencyKey: `${KEY}:production:primary` }),
      [/deployment .*:production:primary: history says no deploy or rollback with this key, row says staging primary/],
    ],
  ];

  it('reads a history whose payloads the encryption codec sealed, once decoded with it', async () => {
    const codec = new EncryptionCodec(new Keyring([{ id: 'faults', key: randomBytes(32) }], 'faults'));
    const sealed = recorded('v7-rolled-back-canary');
    await mapPayloads(sealed.events, async (payload) => (await codec.encode([payload]))[0]!);
    expect(() => projectionViolations(RUN, [sealed], rolledBackRows())).toThrow(/binary\/encrypted/);
    await decodePayloads(sealed.events, [codec]);
    expect(projectionViolations(RUN, [sealed], rolledBackRows())).toEqual([]);
  });

  it.each(planted)('fails for %s', (_, plant, expected) => {
    const rows = rolledBackRows();
    plant(rows);
    const violations = projectionViolations(RUN, [recorded('v7-rolled-back-canary')], rows);
    expect(violations).toEqual(expected.map((pattern) => expect.stringMatching(pattern)));
    for (const violation of violations) expect(violation.startsWith(`run ${RUN}: `)).toBe(true);
  });
});

/** A small history, event by event, as a run's workflow writes it. */
class HistoryBuilder {
  readonly events: HistoryEvent[] = [];

  private add(event: Omit<HistoryEvent, 'eventId'>): number {
    const id = this.events.length + 1;
    // The derivation reads event ids as text: a number stands in for protobuf's Long.
    this.events.push({ ...event, eventId: id as unknown as HistoryEvent['eventId'] });
    return id;
  }

  private static payloads(...values: unknown[]) {
    return { payloads: values.map((v) => defaultPayloadConverter.toPayload(v)) };
  }

  private upsert(name: string, value: string): this {
    this.add({ upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { [name]: defaultPayloadConverter.toPayload(value) } } } });
    return this;
  }

  stage(name: string): this {
    return this.upsert('CustodyStage', name);
  }

  status(status: string): this {
    return this.upsert('CustodyStatus', status);
  }

  local(type: string, result: unknown, summary?: string): this {
    this.add({
      markerRecordedEventAttributes: { markerName: 'core_local_activity', details: { data: HistoryBuilder.payloads({ activity_type: type }), result: HistoryBuilder.payloads(result) } },
      ...(summary ? { userMetadata: { summary: defaultPayloadConverter.toPayload(summary) } } : {}),
    });
    return this;
  }

  /** A batch of projection writes as runs since `steps-in-summaries` record it: its summary names each write. */
  writes(...writes: string[]): this {
    return this.local('recordProjection', { audit: [] }, writes.join(' · '));
  }

  activity(type: string, input: unknown, end: { result: unknown } | 'cancelled'): this {
    const scheduledEventId = this.add({ activityTaskScheduledEventAttributes: { activityType: { name: type }, input: HistoryBuilder.payloads(input) } }) as unknown as HistoryEvent['eventId'];
    if (end === 'cancelled') this.add({ activityTaskCanceledEventAttributes: { scheduledEventId } });
    else this.add({ activityTaskCompletedEventAttributes: { scheduledEventId, result: HistoryBuilder.payloads(end.result) } });
    return this;
  }

  completed(result: unknown): this {
    this.add({ workflowExecutionCompletedEventAttributes: { result: HistoryBuilder.payloads(result) } });
    return this;
  }

  cancelled(): this {
    this.add({ workflowExecutionCanceledEventAttributes: {} });
    return this;
  }
}

describe('a resumed run, two executions of one workflow', () => {
  const TRIAL = '7a1a0000-0000-4000-8000-000000000000';
  const trial = { runId: 'r', trialIndex: 0 };
  // Cancelled in training, then resumed: validation reused, training done again, deployed.
  const first = new HistoryBuilder()
    .status('running')
    .stage('register-dataset')
    .stage('validate-data')
    .local('drawPrivacyBudget', { drawn: false })
    .stage('train')
    .activity('trainCandidate', trial, 'cancelled')
    .status('cancelled')
    .cancelled();
  const second = new HistoryBuilder()
    .local('loadCompletedSteps', { 'register-dataset': {}, 'validate-data': {} })
    .status('running')
    .local('drawPrivacyBudget', { drawn: false })
    .stage('train')
    .activity('trainCandidate', trial, { result: { trialId: TRIAL, trialIndex: 0, artifactSha256: 'abc' } })
    .stage('deploy:production')
    .activity('deploy', { key: 'w:second:production:primary', modelVersionId: 'v', stage: 'production', role: 'primary', trafficPercent: 100 }, { result: { deploymentId: 'd' } })
    .status('succeeded')
    .completed({ status: 'succeeded' });
  const executions = [
    { runId: 'first', events: first.events },
    { runId: 'second', events: second.events },
  ];
  const rows = (): ProjectionRows => ({
    status: 'succeeded',
    steps: [
      { name: 'register-dataset', status: 'reused' },
      { name: 'validate-data', status: 'reused' },
      { name: 'train', status: 'succeeded' },
      { name: 'deploy:production', status: 'succeeded' },
    ],
    trials: [{ index: 0, id: TRIAL, status: 'succeeded', artifactSha256: 'abc' }],
    gateDecisions: [],
    deployments: [{ id: 'd', idempotencyKey: 'w:second:production:primary', modelVersionId: 'v', stage: 'production', role: 'primary', trafficPercent: 100, ended: false }],
  });

  it('holds what the later execution wrote over what the first did', () => {
    expect(projectionViolations('run', executions, rows())).toEqual([]);
    // The first execution alone ended cancelled in training.
    expect(stepsOf(executions[0]!)).toEqual({ 'register-dataset': 'succeeded', 'validate-data': 'succeeded', train: 'cancelled' });
  });

  it('fails when the rows still say what the first execution wrote', () => {
    const stale = rows();
    stale.steps[0]!.status = 'succeeded';
    stale.steps[2]!.status = 'cancelled';
    stale.trials[0]!.status = 'cancelled';
    expect(projectionViolations('run', executions, stale)).toEqual([
      'run run: step register-dataset: history says reused, row says succeeded',
      'run run: step train: history says succeeded, row says cancelled',
      `run run: trial 0: history says succeeded (trial ${TRIAL}, artifact abc), row says cancelled (trial ${TRIAL}, artifact abc)`,
    ]);
  });

  it('fails for a trial that reads succeeded though its activity was cancelled', () => {
    const cancelledOnly = [executions[0]!];
    const violations = projectionViolations('run', cancelledOnly, {
      status: 'cancelled',
      steps: [
        { name: 'register-dataset', status: 'succeeded' },
        { name: 'validate-data', status: 'succeeded' },
        { name: 'train', status: 'cancelled' },
      ],
      trials: [{ index: 0, id: TRIAL, status: 'succeeded', artifactSha256: 'abc' }],
      gateDecisions: [],
      deployments: [],
    });
    expect(violations).toEqual(['run run: trial 0: history says its training activity cancelled, row says succeeded']);
  });
});

describe('a run that names its writes in their summaries (pipeline-generation-3)', () => {
  // No stage upserts: each batch of projection writes says what it records. Rejected at its gate.
  const history = new HistoryBuilder()
    .writes('run running', 'register-dataset running')
    .writes('register-dataset succeeded', 'validate-data running')
    .writes('validate-data succeeded', 'train running')
    .writes('train succeeded', 'evaluate running')
    .writes('evaluate succeeded', 'register-model running')
    .writes('register-model succeeded', 'gate:review running')
    .writes('run awaiting_approval')
    .writes('run running')
    .writes('gate:review failed')
    .status('rejected')
    .writes('run rejected')
    .completed({ status: 'rejected' });
  const executions = [{ runId: 'only', events: history.events }];
  const steps = ['register-dataset', 'validate-data', 'train', 'evaluate', 'register-model'].map((name) => ({ name, status: 'succeeded' }));
  const rows = (): ProjectionRows => ({ status: 'rejected', steps: [...steps, { name: 'gate:review', status: 'failed' }], trials: [], gateDecisions: [], deployments: [] });

  it('reads each step as the last write its summaries name', () => {
    expect(stepsOf(executions[0]!)).toEqual({ 'register-dataset': 'succeeded', 'validate-data': 'succeeded', train: 'succeeded', evaluate: 'succeeded', 'register-model': 'succeeded', 'gate:review': 'failed' });
    expect(projectionViolations('run', executions, rows())).toEqual([]);
  });

  it('fails for a step whose row is not the last status sent, or that no write named', () => {
    const wrong = rows();
    wrong.steps[5]!.status = 'running';
    wrong.steps.push({ name: 'deploy:production', status: 'succeeded' });
    expect(projectionViolations('run', executions, wrong)).toEqual([
      'run run: step gate:review: history says failed, row says running',
      'run run: step deploy:production: history says the run never reached it, row says succeeded',
    ]);
  });

  it('says so when a summary names no write it can read', () => {
    const odd = new HistoryBuilder().writes('run running', 'register-dataset running').writes('register-dataset swimming').completed({ status: 'succeeded' });
    expect(projectionViolations('run', [{ runId: 'odd', events: odd.events }], { status: 'succeeded', steps: [{ name: 'register-dataset', status: 'running' }], trials: [], gateDecisions: [], deployments: [] })).toEqual([
      'run run: steps: history says a write summary that names no step and status ("register-dataset swimming"), row says not compared with it',
    ]);
  });
});
