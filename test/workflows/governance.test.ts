import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal } from '../../domain/pipeline/messages.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { recordHistory } from '../support/histories.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

function spec(name: string, change: (s: PipelineSpecInput) => void = () => {}): PipelineSpecInput {
  const s = exampleSpec('iris') as PipelineSpecInput;
  s.name = name;
  s.model = name;
  s.deployment = { production: {} };
  change(s);
  return s;
}

describe('governance inside the workflow', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const submit = async (s: PipelineSpecInput, as = 'engineer@example.com') => {
    const response = await stack.api.gql<{ submitPipeline: { id: string; workflowId: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id workflowId } }', { input: { spec: s } }, { as });
    expect(response.errors).toBeUndefined();
    return response.data!.submitPipeline;
  };
  const read = async (id: string) =>
    (await stack.api.gql<{ pipelineRun: any }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status gates { status role approvals { actor } } gateDecisions { actor decision accepted refusedReason via } } }', { id })).data!
      .pipelineRun;

  it('refuses raw signals from unknown, unauthorised and self-approving actors, records them, and takes a valid one', async () => {
    const run = await submit(spec('raw-signals'), 'admin@example.com');
    await eventually(() => read(run.id), (r) => r.status === 'awaiting_approval', 60_000);
    const handle = stack.worker.client.workflow.getHandle(run.workflowId);
    await handle.signal(approveSignal, { actor: 'mallory@example.com' });
    await handle.signal(approveSignal, { actor: 'viewer@example.com' });
    await handle.signal(approveSignal, { actor: 'admin@example.com' });
    await handle.signal(approveSignal, { actor: 'approver@example.com', comment: 'checked' });
    const done = await eventually(() => read(run.id), (r) => r.status === 'succeeded', 60_000);
    expect(done.gateDecisions).toEqual([
      { actor: 'mallory@example.com', decision: 'approve', accepted: false, refusedReason: 'mallory@example.com is not a known principal', via: 'signal' },
      { actor: 'viewer@example.com', decision: 'approve', accepted: false, refusedReason: 'viewer@example.com is viewer; this gate needs approver', via: 'signal' },
      { actor: 'admin@example.com', decision: 'approve', accepted: false, refusedReason: 'admin@example.com submitted this run and cannot approve its gates', via: 'signal' },
      { actor: 'approver@example.com', decision: 'approve', accepted: true, refusedReason: null, via: 'signal' },
    ]);
    const refused = await stack.api.gql<{ auditTrail: { nodes: { actor: string }[] } }>('query($id: String) { auditTrail(input: { subjectId: $id, action: "gate.refused" }) { nodes { actor } } }', { id: run.id });
    expect(refused.data!.auditTrail.nodes.map((n) => n.actor)).toEqual(['mallory@example.com', 'viewer@example.com', 'admin@example.com']);
  });

  it('refuses a self-approval through the API at once', async () => {
    const run = await submit(spec('self-approval'), 'admin@example.com');
    await eventually(() => read(run.id), (r) => r.status === 'awaiting_approval', 60_000);
    const response = await stack.api.gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id: run.id }, { as: 'admin@example.com' });
    expect(response.errors![0]).toMatchObject({ message: 'The decision was refused: admin@example.com submitted this run and cannot approve its gates', extensions: { code: 'CONFLICT' } });
    await stack.api.gql('mutation($id: ID!) { rejectGate(input: { runId: $id }) { status } }', { id: run.id }, { as: 'risk@example.com' });
    await eventually(() => read(run.id), (r) => r.status === 'rejected', 30_000);
  });

  it('escalates a timed-out gate to admins: approvers no longer count, an admin does', async () => {
    const run = await submit(spec('escalation', (s) => (s.gates = [{ name: 'sign-off', timeout: '2s', onTimeout: 'escalate', escalateTo: 'admin' }])));
    await eventually(() => read(run.id), (r) => r.gates[0]?.role === 'admin', 60_000);
    const approver = await stack.api.gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id: run.id }, { as: 'approver@example.com' });
    expect(approver.errors![0]!.message).toBe('The decision was refused: approver@example.com is approver; this gate needs admin');
    const admin = await stack.api.gql<{ approveGate: { status: string } }>('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id: run.id }, { as: 'admin@example.com' });
    expect(admin.data!.approveGate.status).toBe('approved');
    const done = await eventually(() => read(run.id), (r) => r.status === 'succeeded', 60_000);
    // After the run, the gate still shows the role it escalated to, and the escalation is on the record.
    expect(done.gates).toEqual([{ status: 'approved', role: 'admin', approvals: [{ actor: 'admin@example.com' }] }]);
    expect(done.gateDecisions.map((d: any) => [d.actor, d.decision, d.accepted, d.via])).toEqual([
      ['system:timeout', 'escalate', true, 'timer'],
      ['approver@example.com', 'approve', false, 'api'],
      ['admin@example.com', 'approve', true, 'api'],
    ]);
    recordHistory(run.workflowId, 'escalated-then-approved');
  });

  it('approves a gate by its timeout policy, and shows it approved by the timer after the run', async () => {
    const run = await submit(spec('timeout-approves', (s) => (s.gates = [{ name: 'sign-off', timeout: '1s', onTimeout: 'approve' }])));
    const done = await eventually(() => read(run.id), (r) => r.status === 'succeeded', 60_000);
    expect(done.gates).toEqual([{ status: 'approved', role: 'approver', approvals: [{ actor: 'system:timeout' }] }]);
    expect(done.gateDecisions).toEqual([{ actor: 'system:timeout', decision: 'timeout', accepted: true, refusedReason: null, via: 'timer' }]);
  });

  it("keeps the run's audit events in a verified chain whose head the Temporal history holds too", async () => {
    const run = await submit(spec('audited'));
    await eventually(() => read(run.id), (r) => r.status === 'awaiting_approval', 60_000);
    await stack.api.gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id: run.id }, { as: 'approver@example.com' });
    await eventually(() => read(run.id), (r) => r.status === 'succeeded', 60_000);
    // The run's status is written just before its audit event, not with it: wait for the event too.
    const trail = await eventually(
      () => stack.api.gql<{ auditTrail: { nodes: { action: string; hash: string }[] } }>('query($id: String) { auditTrail(input: { subjectId: $id, first: 500 }) { nodes { action hash } } }', { id: run.id }),
      (t) => t.data!.auditTrail.nodes.at(-1)?.action === 'run.succeeded',
      30_000,
    );
    const actions = trail.data!.auditTrail.nodes.map((n) => n.action);
    expect(actions.slice(0, 4)).toEqual(['run.submitted', 'run.started', 'run.running', 'step.running']);
    expect(actions).toEqual(expect.arrayContaining(['step.succeeded', 'run.awaiting_approval', 'gate.decided', 'run.succeeded']));
    expect(actions.filter((a) => a === 'run.started')).toHaveLength(1);
    const verified = await stack.api.gql<{ verifyAuditTrail: { ok: boolean; checked: number } }>('{ verifyAuditTrail { ok checked firstBad { seq } } }');
    expect(verified.data!.verifyAuditTrail.ok).toBe(true);
    const history = await stack.worker.client.workflow.getHandle(run.workflowId).fetchHistory();
    // Projection writes are local activities in new runs: their results are in marker events.
    const payloads = history.events!.flatMap((e) => [
      ...(e.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
      ...Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((details) => details.payloads ?? []),
    ]);
    const results = payloads.map((p) => Buffer.from(p.data!).toString('utf8'));
    const last = trail.data!.auditTrail.nodes.at(-1)!;
    expect(last.action).toBe('run.succeeded');
    // The chain's hash after the run's last write is also in the run's Temporal history: the two records vouch for each other.
    expect(results.some((json) => json.includes(`"auditHash":"${last.hash}"`))).toBe(true);
  });
});
