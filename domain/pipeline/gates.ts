import { roleSatisfies, type Role } from '../access.js';
import type { GateSpec } from './spec.js';

/**
 * Approval gates: what a gate's state is, told from the decisions recorded on it. The workflow's
 * live view and the API's view of a finished run both come from `gateStates`, so they cannot differ.
 */

/** What can happen to a gate: a person approves or rejects; its timer escalates it or times it out. */
export const GATE_DECISIONS = ['approve', 'reject', 'timeout', 'escalate'] as const;
export type GateDecision = (typeof GATE_DECISIONS)[number];

/** Who decides when a gate's timer runs out. */
export const TIMER_ACTOR = 'system:timeout';

export type GateStatus = 'pending' | 'open' | 'approved' | 'rejected' | 'timed_out';

/** One approval or the rejection of a gate as its state shows it: who, when, and what they said. */
export interface GateVerdict {
  actor: string;
  comment?: string;
  at: string;
}

export interface GateState {
  name: string;
  /** The role that may decide: the spec's, or `escalateTo` once the gate escalated. */
  role: string;
  quorum: number;
  status: GateStatus;
  approvals: GateVerdict[];
  rejection?: GateVerdict;
  openedAt?: string;
  /** When the gate times out, while it is open. */
  deadline?: string;
  onTimeout: string;
}

/**
 * One decision on a gate as its run's workflow records it, accepted or refused: the workflow keeps these, writes
 * them (the accepted ones are the `gate_decisions` rows, read back as this same shape), and every gate's state
 * is told from them.
 */
export interface GateDecisionRecord {
  runId: string;
  gate: string;
  /** `<execution>:<n>`, the workflow's own count within one execution; empty for a decision it keeps but does not write. */
  sequence: string;
  actor: string;
  decision: GateDecision;
  comment?: string | null;
  accepted: boolean;
  refusedReason?: string | null;
  /** api, signal (Temporal CLI or UI) or timer. */
  via: string;
  decidedAt: string;
}

/** The gate that is open now, while a run waits at it. */
export interface OpenGate {
  gate: string;
  openedAt: string;
  deadline: string;
}

/**
 * Whether a person may decide a gate as it stands: it is open, their role satisfies the gate's (admin always
 * does), the run is not their own, and they have not approved it already. The console and the CLI offer a gate
 * by this one rule; the workflow checks the same again when the decision arrives.
 */
export function mayDecide(person: { name: string; role: string }, gate: { role: string; status: string; approvals: readonly { actor: string }[] }, submittedBy: string): boolean {
  return gate.status === 'open' && roleSatisfies(person.role as Role, [gate.role as Role]) && selfApproval(person.name, submittedBy, 'approve') === null && !gate.approvals.some((a) => a.actor === person.name);
}

/** The rule of four eyes: the person who submitted a run cannot approve its gates. */
export function selfApproval(actor: string, submittedBy: string, decision: 'approve' | 'reject'): string | null {
  return decision === 'approve' && actor === submittedBy ? `${actor} submitted this run and cannot approve its gates` : null;
}

/** Every gate's state, from its spec and the accepted decisions on it, in the order they were made. */
export function gateStates(specs: readonly GateSpec[], decisions: readonly GateDecisionRecord[], open?: OpenGate): GateState[] {
  return specs.map((spec) => {
    const state: GateState = { name: spec.name, role: spec.role, quorum: spec.quorum, status: 'pending', approvals: [], onTimeout: spec.onTimeout };
    for (const d of decisions) if (d.gate === spec.name && d.accepted) apply(state, spec, d);
    if (open?.gate === spec.name && state.status === 'pending') Object.assign(state, { status: 'open', openedAt: open.openedAt, deadline: open.deadline });
    return state;
  });
}

/**
 * The gates of a run that has ended, from its stored decisions. A resumed run has several executions;
 * each gate is told from the decisions of the last execution that decided on it, in the order that
 * execution made them (decisions in one workflow task share a timestamp, so time cannot order them).
 */
export function recordedGateStates(specs: readonly GateSpec[], stored: readonly GateDecisionRecord[]): GateState[] {
  // Only decisions that counted tell an execution's gates (older records also hold refused attempts, some under no execution).
  const rows = stored.filter((d) => d.accepted).map((d) => {
    const cut = d.sequence.lastIndexOf(':');
    return { ...d, execution: cut < 0 ? '' : d.sequence.slice(0, cut), n: Number(cut < 0 ? d.sequence : d.sequence.slice(cut + 1)) };
  });
  const began = new Map<string, number>();
  for (const r of rows) began.set(r.execution, Math.min(began.get(r.execution) ?? Infinity, Date.parse(r.decidedAt)));
  const lastFor = new Map<string, string>();
  for (const r of rows) {
    const current = lastFor.get(r.gate);
    if (current === undefined || began.get(r.execution)! > began.get(current)!) lastFor.set(r.gate, r.execution);
  }
  const chosen = rows.filter((r) => lastFor.get(r.gate) === r.execution).sort((a, b) => began.get(a.execution)! - began.get(b.execution)! || a.n - b.n);
  return gateStates(specs, chosen);
}

function apply(state: GateState, spec: GateSpec, d: GateDecisionRecord): void {
  if (state.status !== 'pending') return;
  const verdict: GateVerdict = { actor: d.actor, ...(d.comment ? { comment: d.comment } : {}), at: d.decidedAt };
  switch (d.decision) {
    case 'approve':
      state.approvals.push(verdict);
      if (state.approvals.length >= state.quorum) state.status = 'approved';
      return;
    case 'reject':
      state.rejection = verdict;
      state.status = 'rejected';
      return;
    case 'escalate':
      state.role = spec.escalateTo ?? state.role;
      return;
    case 'timeout':
      if (spec.onTimeout === 'approve') {
        state.approvals.push(verdict);
        state.status = 'approved';
      } else {
        state.status = 'timed_out';
      }
  }
}
