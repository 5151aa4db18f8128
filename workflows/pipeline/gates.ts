import { Mutex } from 'async-mutex';
import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, log, setHandler } from '@temporalio/workflow';
import type { GatesActivities } from '../../activities/gates/gates.activities.js';
import { gateStates, selfApproval, TIMER_ACTOR, type GateDecisionRecord, type GateState, type OpenGate } from '../../domain/pipeline/gates.js';
import { approveSignal, decideUpdate, gatesQuery, rejectSignal, type DecideMessage, type GateDecisionMessage } from '../../domain/pipeline/messages.js';
import { durationMs, type GateSpec } from '../../domain/pipeline/spec.js';

/** What a person decides on a gate (timeouts and escalations are its timer's). */
type HumanDecision = DecideMessage['decision'];

export interface GatesOptions {
  runId: string;
  submittedBy: string;
  specs: readonly GateSpec[];
  /** Names this execution in each decision's sequence, so a resumed run's decisions never collide with the first's. */
  executionId: string;
  /** Runs started before governance checks existed replay without them; new runs verify every actor. */
  verifyActors: boolean;
  /**
   * The gate rules of runs started since `patched('record-gate-escalation')`: an escalation is written to
   * the record, and a decision that lands in the same workflow task as the timer wins over the timeout.
   * Earlier runs replay with neither.
   */
  currentRules: boolean;
  authorize: GatesActivities['authorizeDecision'];
  /** Waits until `done` holds or `timeoutMs` passes; false when the time ran out (`condition` in a workflow). */
  until: (done: () => boolean, timeoutMs: number) => Promise<boolean>;
  now: () => number;
}

export type GateOutcome = { passed: true; approvedBy: string[] } | { passed: false; type: 'GateRejected' | 'GateTimedOut'; reason: string };

/**
 * The approval gates of one run: their decisions, the checks a decision must pass, and the timer.
 * State is the list of decisions; what each gate shows is derived from it by `gateStates`, the same
 * function the API uses once the run has ended. Verified decisions run one at a time under a mutex.
 */
export class Gates {
  private readonly records: GateDecisionRecord[] = [];
  private readonly unwritten: GateDecisionRecord[] = [];
  private readonly mutex = new Mutex();
  private opened?: OpenGate;
  private sequence = 0;
  /** Earlier runs only: a gate decided in the same workflow task as its timeout still timed out. */
  private legacyTimedOut?: string;

  constructor(private readonly options: GatesOptions) {}

  states(): GateState[] {
    const states = gateStates(this.options.specs, this.records, this.opened);
    for (const state of states) if (state.name === this.legacyTimedOut) state.status = 'timed_out';
    return states;
  }

  openGate(): GateState | undefined {
    return this.states().find((g) => g.status === 'open');
  }

  /** Decisions received and not yet written to the database, oldest first; `written` drops the first. */
  nextUnwritten(): GateDecisionRecord | undefined {
    return this.unwritten[0];
  }

  written(): void {
    this.unwritten.shift();
  }

  /** Why a decision cannot count (the checks that need no database), or null when it can. */
  refusal(d: GateDecisionMessage, decision: HumanDecision): string | null {
    if (typeof d?.actor !== 'string' || d.actor.trim() === '') return 'actor is required';
    const malformed = malformedDecision(d);
    if (malformed) return malformed;
    const gate = this.openGate();
    if (!gate) return d.gate ? `gate ${d.gate} is not open` : 'no gate is open';
    if (d.gate && d.gate !== gate.name) return `gate ${d.gate} is not open; the open gate is ${gate.name}`;
    const actor = d.actor.trim();
    if (gate.approvals.some((a) => a.actor === actor)) return `${actor} has already approved gate ${gate.name}`;
    return this.options.verifyActors ? selfApproval(actor, this.options.submittedBy, decision) : null;
  }

  /** Applies a decision to the open gate, or records why it was refused; the gate's state after it, or null when refused. */
  apply(d: GateDecisionMessage, decision: HumanDecision, via: string, refused: string | null = this.refusal(d, decision)): GateState | null {
    const gate = this.openGate()?.name ?? (typeof d?.gate === 'string' ? d.gate : '(none)');
    const actor = typeof d?.actor === 'string' && d.actor.trim() ? cleanText(d.actor.trim(), 200) : '(missing)';
    const comment = typeof d?.comment === 'string' ? cleanText(d.comment, 2000) : undefined;
    this.record({ gate: cleanText(gate, 100), actor, decision, comment, accepted: refused === null, refusedReason: refused ?? undefined, via });
    return refused === null ? this.states().find((g) => g.name === gate)! : null;
  }

  /**
   * A decision checked against the principals and their roles by an activity, one at a time in
   * arrival order; the gate is checked again once that check returns.
   */
  async decide(d: GateDecisionMessage, decision: HumanDecision, via: string): Promise<{ gate: GateState | null; reason?: string }> {
    return await this.mutex.runExclusive(async () => {
      const quick = this.refusal(d, decision);
      if (quick) {
        this.apply(d, decision, via, quick);
        return { gate: null, reason: quick };
      }
      const { name, role } = this.openGate()!;
      const auth = await this.options.authorize({ actor: d.actor.trim(), requiredRole: role as 'approver' | 'admin', submittedBy: this.options.submittedBy, decision });
      // The gate may have timed out, escalated or been decided while the check ran: it must still be the same gate, wanting the same role.
      const still = this.openGate();
      const changed = !still || still.name !== name || still.role !== role ? `gate ${name} changed while the decision was checked; decide again` : null;
      const reason = auth.allowed ? (changed ?? this.refusal(d, decision)) : auth.reason!;
      const gate = this.apply(d, decision, via, reason);
      return { gate, reason: reason ?? undefined };
    });
  }

  /** Validates an update before it is accepted into history. */
  validate(d: DecideMessage): void {
    if (d?.decision !== 'approve' && d?.decision !== 'reject') throw new Error('decision must be approve or reject');
    const reason = this.refusal(d, d.decision);
    if (reason) throw new Error(reason);
  }

  /** Opens the gate: from now until its decision or its timeout, decisions on it count. */
  open(spec: GateSpec): void {
    const { now } = this.options;
    this.opened = { gate: spec.name, openedAt: new Date(now()).toISOString(), deadline: new Date(now() + durationMs(spec.timeout)).toISOString() };
  }

  /** Waits for the open gate's decision; on timeout, escalates once if its policy says so, then applies the policy. */
  async wait(spec: GateSpec): Promise<GateOutcome> {
    const { until, now } = this.options;
    const timeout = durationMs(spec.timeout);
    const decided = () => this.states().find((g) => g.name === spec.name)!.status !== 'open';
    let answered = await until(decided, timeout);
    if (!answered && spec.onTimeout === 'escalate' && spec.escalateTo) {
      const comment = `no decision within ${spec.timeout}; escalated to ${spec.escalateTo}`;
      this.record({ gate: spec.name, actor: TIMER_ACTOR, decision: 'escalate', accepted: true, via: 'timer', comment }, this.options.currentRules);
      this.opened = { ...this.opened!, deadline: new Date(now() + timeout).toISOString() };
      answered = await until(decided, timeout);
    }
    // The timer can fire in the same workflow task as a decision's check returns: the decision counts.
    const late = !answered && decided();
    if (!answered && !(late && this.options.currentRules)) {
      this.record({ gate: spec.name, actor: TIMER_ACTOR, decision: 'timeout', accepted: true, via: 'timer', comment: `no decision within ${spec.timeout}; policy ${spec.onTimeout}` });
      if (late && spec.onTimeout !== 'approve' && this.states().find((g) => g.name === spec.name)!.status === 'approved') this.legacyTimedOut = spec.name;
    }
    const gate = this.states().find((g) => g.name === spec.name)!;
    this.opened = undefined;
    return outcomeOf(gate, spec);
  }

  /** No decision counts once the run is ending. */
  close(): void {
    this.opened = undefined;
  }

  private record(entry: Omit<GateDecisionRecord, 'runId' | 'sequence' | 'decidedAt'>, write = true): void {
    const record: GateDecisionRecord = { runId: this.options.runId, sequence: '', decidedAt: new Date(this.options.now()).toISOString(), ...entry };
    if (write) {
      record.sequence = `${this.options.executionId}:${++this.sequence}`;
      this.unwritten.push(record);
    }
    this.records.push(record);
  }
}

/**
 * Connects the gates to the workflow's messages, and writes every decision they receive (accepted or
 * refused) to the database, one at a time and in order. Neither the checks nor the writing can be
 * cancelled: a cancelled run still records every decision it received. `drain` waits for both.
 */
export function serveGates(gates: Gates, verifyActors: boolean, write: (record: GateDecisionRecord) => Promise<unknown>): { drain: () => Promise<void> } {
  const verified = async (d: GateDecisionMessage, decision: HumanDecision, via: string) => {
    const result = await CancellationScope.nonCancellable(() => gates.decide(d, decision, via));
    if (result.reason) log.warn('gate decision refused', { reason: result.reason, actor: d?.actor, via });
    return result;
  };
  const unverified = (d: GateDecisionMessage, decision: HumanDecision, via: string) => {
    const gate = gates.apply(d, decision, via);
    if (!gate) log.warn('gate decision refused', { actor: d?.actor, via });
    return gate;
  };
  const signal = (decision: HumanDecision) => (d: GateDecisionMessage) => (verifyActors ? verified(d, decision, 'signal').then(() => undefined) : void unverified(d, decision, 'signal'));
  setHandler(approveSignal, signal('approve'));
  setHandler(rejectSignal, signal('reject'));
  setHandler(
    decideUpdate,
    async (d: DecideMessage) => {
      if (!verifyActors) return { ...unverified(d, d.decision, 'api')! };
      const { gate, reason } = await verified(d, d.decision, 'api');
      if (!gate) throw ApplicationFailure.create({ type: 'DecisionRefused', message: reason ?? 'refused', nonRetryable: true });
      return gate;
    },
    { validator: (d: DecideMessage) => gates.validate(d) },
  );
  setHandler(gatesQuery, () => gates.states());

  let ending = false;
  const recorder = CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => gates.nextUnwritten() !== undefined || ending);
      const next = gates.nextUnwritten();
      if (!next) return;
      await write(next);
      gates.written();
    }
  });
  const drain = () =>
    CancellationScope.nonCancellable(async () => {
      await condition(allHandlersFinished);
      ending = true;
      await recorder;
    });
  return { drain };
}

function outcomeOf(gate: GateState, spec: GateSpec): GateOutcome {
  if (gate.status === 'approved') return { passed: true, approvedBy: gate.approvals.map((a) => a.actor) };
  if (gate.status === 'timed_out') return { passed: false, type: 'GateTimedOut', reason: `gate ${gate.name} timed out after ${spec.timeout} without a decision` };
  const by = gate.rejection!;
  return { passed: false, type: 'GateRejected', reason: `gate ${gate.name} was rejected by ${by.actor}${by.comment ? `: ${by.comment}` : ''}` };
}

/** Text from outside (signals, updates) made safe to store: no NUL characters, bounded length. */
function cleanText(text: string, max: number): string {
  return text.replace(/\u0000/g, '').slice(0, max);
}

/** Why a decision's fields are unusable, or null. */
function malformedDecision(d: GateDecisionMessage): string | null {
  const bad = (value: unknown, max: number) => value !== undefined && value !== null && (typeof value !== 'string' || value.length > max || value.includes('\u0000'));
  if (bad(d.actor, 200)) return 'actor must be text of at most 200 characters';
  if (bad(d.comment, 2000)) return 'comment must be text of at most 2000 characters';
  if (bad(d.gate, 100)) return 'gate must be a gate name';
  return null;
}
