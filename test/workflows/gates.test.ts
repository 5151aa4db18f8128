import { describe, expect, it } from 'vitest';
import { gateStates, mayDecide, recordedGateStates, type GateDecisionRecord } from '../../domain/pipeline/gates.js';
import type { GateSpec } from '../../domain/pipeline/spec.js';
import { Gates, type GatesOptions } from '../../workflows/pipeline/gates.js';

/**
 * The gate state machine on its own, outside a workflow: `until` stands in for the workflow's
 * `condition` (a fake timer that either sees the decision or lets the time run out), and
 * `authorize` for the governance activity (a fake that knows two approvers and one admin).
 */
const spec = (over: Partial<GateSpec> = {}): GateSpec => ({ name: 'release', role: 'approver', quorum: 1, timeout: '1h', onTimeout: 'reject', ...over });
const roles: Record<string, string> = { ana: 'approver', bo: 'approver', root: 'admin' };

function gatesFor(specs: GateSpec[], over: Partial<GatesOptions> = {}) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const authorized: { actor: string; requiredRole: string }[] = [];
  const gates = new Gates({
    runId: 'run-1',
    submittedBy: 'sam',
    specs,
    executionId: 'exec-1',
    verifyActors: true,
    currentRules: true,
    authorize: async ({ actor, requiredRole }) => {
      authorized.push({ actor, requiredRole });
      const role = roles[actor];
      if (!role) return { allowed: false, reason: `${actor} is not a known principal` };
      return role === requiredRole || role === 'admin' ? { allowed: true } : { allowed: false, reason: `${actor} is ${role}; this gate needs ${requiredRole}` };
    },
    // A fake timer: the wait ends with the decision if one was made, otherwise the whole timeout passes.
    until: async (done, ms) => {
      if (done()) return true;
      clock += ms;
      return false;
    },
    now: () => clock,
    ...over,
  });
  const written = () => {
    const out: ReturnType<Gates['nextUnwritten']>[] = [];
    for (let next = gates.nextUnwritten(); next; next = gates.nextUnwritten()) {
      out.push(next);
      gates.written();
    }
    return out as NonNullable<ReturnType<Gates['nextUnwritten']>>[];
  };
  return { gates, authorized, written };
}

/** What the API shows once the run has ended: the same fold over the rows the workflow wrote. */
const afterTheRun = (specs: GateSpec[], rows: GateDecisionRecord[]) => gateStates(specs, rows);

/** A decision as the gate record holds it: ana's approval of `release`, unless told otherwise. */
const recorded = (over: Partial<GateDecisionRecord>): GateDecisionRecord => ({
  runId: 'run-1',
  gate: 'release',
  sequence: 'exec-1:1',
  actor: 'ana',
  decision: 'approve',
  accepted: true,
  via: 'api',
  decidedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('approval gates', () => {
  it('needs its quorum of different people, and refuses a second approval by the same one', async () => {
    const specs = [spec({ quorum: 2 })];
    const { gates, written } = gatesFor(specs);
    gates.open(specs[0]!);
    expect((await gates.decide({ actor: 'ana' }, 'approve', 'api')).gate?.status).toBe('open');
    expect((await gates.decide({ actor: 'ana' }, 'approve', 'api')).reason).toBe('ana has already approved gate release');
    expect((await gates.decide({ actor: 'bo', comment: 'fine' }, 'approve', 'signal')).gate?.status).toBe('approved');
    expect(await gates.wait(specs[0]!)).toEqual({ passed: true, approvedBy: ['ana', 'bo'] });
    const rows = written();
    expect(rows.map((r) => [r.actor, r.accepted, r.sequence])).toEqual([
      ['ana', true, 'exec-1:1'],
      ['ana', false, 'exec-1:2'],
      ['bo', true, 'exec-1:3'],
    ]);
    expect(afterTheRun(specs, rows)).toEqual(gates.states());
  });

  it('refuses its submitter, unknown people and the wrong role, and says why', async () => {
    const specs = [spec({ role: 'admin' })];
    const { gates, authorized } = gatesFor(specs);
    gates.open(specs[0]!);
    expect((await gates.decide({ actor: 'sam' }, 'approve', 'api')).reason).toBe('sam submitted this run and cannot approve its gates');
    expect((await gates.decide({ actor: 'eve' }, 'approve', 'api')).reason).toBe('eve is not a known principal');
    expect((await gates.decide({ actor: 'ana' }, 'approve', 'api')).reason).toBe('ana is approver; this gate needs admin');
    // The submitter was refused before the activity was asked.
    expect(authorized.map((a) => a.actor)).toEqual(['eve', 'ana']);
    expect(gates.openGate()?.status).toBe('open');
    // A submitter may still reject their own run.
    expect((await gates.decide({ actor: 'sam' }, 'reject', 'api')).reason).toBe('sam is not a known principal');
  });

  it('accepts a decision only for the open gate, and malformed input is refused, not thrown', async () => {
    const specs = [spec(), spec({ name: 'legal' })];
    const { gates } = gatesFor(specs);
    expect(gates.refusal({ actor: 'ana' }, 'approve')).toBe('no gate is open');
    gates.open(specs[0]!);
    expect(gates.refusal({ actor: 'ana', gate: 'legal' }, 'approve')).toBe('gate legal is not open; the open gate is release');
    expect(gates.refusal({ actor: ' ' }, 'approve')).toBe('actor is required');
    expect(gates.refusal({ actor: 7 as never }, 'approve')).toBe('actor is required');
    expect(gates.refusal({ actor: 'ana', comment: 'x'.repeat(2001) }, 'approve')).toBe('comment must be text of at most 2000 characters');
    expect(gates.apply({ actor: 'ana', gate: 42 as never }, 'approve', 'signal')).toBeNull();
    expect(() => gates.validate({ actor: 'ana', decision: 'maybe' as never })).toThrow('decision must be approve or reject');
  });

  it('checks decisions one at a time: a second waits until the first is applied', async () => {
    const specs = [spec()];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const { gates } = gatesFor(specs, {
      authorize: async ({ actor }) => {
        order.push(`check ${actor}`);
        if (actor === 'ana') await first;
        return { allowed: true };
      },
    });
    gates.open(specs[0]!);
    const ana = gates.decide({ actor: 'ana' }, 'approve', 'api');
    const bo = gates.decide({ actor: 'bo' }, 'approve', 'api');
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['check ana']);
    release();
    expect((await ana).gate?.status).toBe('approved');
    // By the time bo's turn came, the gate was closed: bo is refused without a check.
    expect((await bo).reason).toBe('no gate is open');
    expect(order).toEqual(['check ana']);
  });

  it('refuses a decision whose gate escalated while it was being checked', async () => {
    const specs = [spec({ onTimeout: 'escalate', escalateTo: 'admin' })];
    let waiting!: Promise<unknown>;
    const { gates } = gatesFor(specs, {
      authorize: async () => {
        // The gate's timer fires while the check runs.
        waiting = gates.wait(specs[0]!);
        await Promise.resolve();
        return { allowed: true };
      },
      until: async () => false,
    });
    gates.open(specs[0]!);
    expect((await gates.decide({ actor: 'ana' }, 'approve', 'api')).reason).toBe('gate release changed while the decision was checked; decide again');
    await waiting;
  });

  it('approves by its timeout policy, and the run shows it approved, by the timer', async () => {
    const specs = [spec({ onTimeout: 'approve', timeout: '2h' })];
    const { gates, written } = gatesFor(specs);
    gates.open(specs[0]!);
    expect(await gates.wait(specs[0]!)).toEqual({ passed: true, approvedBy: ['system:timeout'] });
    const after = afterTheRun(specs, written());
    expect(after[0]).toMatchObject({ status: 'approved', approvals: [{ actor: 'system:timeout', comment: 'no decision within 2h; policy approve' }] });
    expect(after).toEqual(gates.states());
  });

  it('times out with the reject policy, and the run shows it timed out', async () => {
    const specs = [spec({ timeout: '30m' })];
    const { gates, written } = gatesFor(specs);
    gates.open(specs[0]!);
    expect(await gates.wait(specs[0]!)).toEqual({ passed: false, type: 'GateTimedOut', reason: 'gate release timed out after 30m without a decision' });
    expect(afterTheRun(specs, written())[0]!.status).toBe('timed_out');
  });

  it('escalates once to its escalation role, which then decides; the run shows the role it escalated to', async () => {
    const specs = [spec({ onTimeout: 'escalate', escalateTo: 'admin' })];
    let timerFired = false;
    const { gates, written, authorized } = gatesFor(specs, {
      until: async (done) => {
        if (!timerFired) {
          timerFired = true;
          return false;
        }
        // After the escalation: an approver is refused, the admin decides.
        expect((await gates.decide({ actor: 'ana' }, 'approve', 'api')).reason).toBe('ana is approver; this gate needs admin');
        await gates.decide({ actor: 'root', comment: 'ok' }, 'approve', 'api');
        return done();
      },
    });
    gates.open(specs[0]!);
    expect(await gates.wait(specs[0]!)).toEqual({ passed: true, approvedBy: ['root'] });
    expect(authorized.map((a) => a.requiredRole)).toEqual(['admin', 'admin']);
    const rows = written();
    expect(rows.map((r) => r.decision)).toEqual(['escalate', 'approve', 'approve']);
    const after = afterTheRun(specs, rows);
    expect(after[0]).toMatchObject({ role: 'admin', status: 'approved' });
    expect(after).toEqual(gates.states());
  });

  it('an escalated gate that times out again applies no second escalation; older runs escalate without writing it', async () => {
    const specs = [spec({ onTimeout: 'escalate', escalateTo: 'admin' })];
    const { gates, written } = gatesFor(specs, { currentRules: false });
    gates.open(specs[0]!);
    expect(await gates.wait(specs[0]!)).toMatchObject({ passed: false, type: 'GateTimedOut' });
    expect(gates.states()[0]).toMatchObject({ role: 'admin', status: 'timed_out' });
    expect(written().map((r) => [r.decision, r.sequence])).toEqual([['timeout', 'exec-1:1']]);
  });

  it('a decision that lands in the same workflow task as the timer wins; older runs replay the timeout', async () => {
    const specs = [spec({ timeout: '1h' })];
    const lateApproval = (gates: () => Gates) => async () => {
      // The timer fires, and in the same task the approver's check returns: the approval is applied first.
      await gates().decide({ actor: 'ana' }, 'approve', 'api');
      return false;
    };
    const now = gatesFor(specs, { until: lateApproval(() => current) });
    const current = now.gates;
    current.open(specs[0]!);
    expect(await current.wait(specs[0]!)).toEqual({ passed: true, approvedBy: ['ana'] });
    expect(now.written().map((r) => r.decision)).toEqual(['approve']);

    const before = gatesFor(specs, { currentRules: false, until: lateApproval(() => legacy) });
    const legacy = before.gates;
    legacy.open(specs[0]!);
    expect(await legacy.wait(specs[0]!)).toMatchObject({ passed: false, type: 'GateTimedOut' });
    expect(before.written().map((r) => r.decision)).toEqual(['approve', 'timeout']);
  });

  it('after the run, each gate is told from the last execution that decided it, in that execution’s order', () => {
    const specs = [spec({ quorum: 2 })];
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    // Execution A: ana approved, then the run was cancelled. Execution B (resumed): ana and bo approve in one task.
    const stored = [
      recorded({ actor: 'ana', decidedAt: at(1), sequence: 'exec-a:1' }),
      recorded({ actor: 'bo', decidedAt: at(9), sequence: 'exec-b:2' }),
      recorded({ actor: 'ana', decidedAt: at(9), sequence: 'exec-b:1' }),
    ];
    expect(recordedGateStates(specs, stored)[0]).toMatchObject({ status: 'approved', approvals: [{ actor: 'ana' }, { actor: 'bo' }] });
    expect(recordedGateStates(specs, stored.slice(0, 1))[0]).toMatchObject({ status: 'pending', approvals: [{ actor: 'ana' }] });
  });

  it('after the run, ignores refused attempts an older record kept beside the decisions, under no execution', () => {
    const specs = [spec({ quorum: 2 })];
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const stored = [
      recorded({ actor: 'ana', decidedAt: at(1), sequence: 'exec-a:1' }),
      recorded({ actor: 'sam', accepted: false, decidedAt: at(2), sequence: 'api-refused-5f0c' }),
      recorded({ actor: 'bo', decidedAt: at(3), sequence: 'exec-a:2' }),
    ];
    expect(recordedGateStates(specs, stored)[0]).toMatchObject({ status: 'approved', approvals: [{ actor: 'ana' }, { actor: 'bo' }] });
  });

  it('offers a gate to decide by one rule, the console’s and the CLI’s: open, the right role, not one’s own run, not approved already', () => {
    const gate = { role: 'approver', status: 'open', approvals: [{ actor: 'ana' }] };
    expect(mayDecide({ name: 'bo', role: 'approver' }, gate, 'sam')).toBe(true);
    expect(mayDecide({ name: 'root', role: 'admin' }, gate, 'sam')).toBe(true);
    expect(mayDecide({ name: 'bo', role: 'approver' }, { ...gate, status: 'pending' }, 'sam')).toBe(false);
    expect(mayDecide({ name: 'vi', role: 'viewer' }, gate, 'sam')).toBe(false);
    expect(mayDecide({ name: 'sam', role: 'admin' }, gate, 'sam')).toBe(false);
    expect(mayDecide({ name: 'ana', role: 'approver' }, gate, 'sam')).toBe(false);
  });

  it('after a rejection, nothing more counts', async () => {
    const specs = [spec({ quorum: 2 })];
    const { gates, written } = gatesFor(specs);
    gates.open(specs[0]!);
    await gates.decide({ actor: 'ana', comment: 'metrics look off' }, 'reject', 'api');
    expect((await gates.decide({ actor: 'bo' }, 'approve', 'api')).reason).toBe('no gate is open');
    expect(await gates.wait(specs[0]!)).toEqual({ passed: false, type: 'GateRejected', reason: 'gate release was rejected by ana: metrics look off' });
    expect(afterTheRun(specs, written())[0]).toMatchObject({ status: 'rejected', rejection: { actor: 'ana' }, approvals: [] });
  });
});

describe('gate states from recorded decisions', () => {
  const at = '2026-01-01T00:00:00.000Z';

  it('ignores refused decisions and shows a gate with no decision as pending, or open while it waits', () => {
    const specs = [spec({ quorum: 2 }), spec({ name: 'legal' })];
    const states = gateStates(specs, [recorded({ accepted: false }), recorded({ actor: 'bo', sequence: 'exec-1:2' })], { gate: 'release', openedAt: at, deadline: at });
    expect(states.map((s) => [s.name, s.status, s.approvals.length])).toEqual([
      ['release', 'open', 1],
      ['legal', 'pending', 0],
    ]);
  });
});
