import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { DataActivities } from '../activities/data/data.activities.js';
import type { RegistryActivities } from '../activities/registry/registry.activities.js';
import type { RunsActivities } from '../activities/runs/runs.activities.js';
import type { TrainingActivities } from '../activities/training/training.activities.js';
import { TIMER_ACTOR } from '../domain/pipeline/gates.js';
import { approveSignal, decideUpdate, rejectSignal } from '../domain/pipeline/messages.js';
import { readProjectionSummary } from '../domain/runs.js';
import { CUSTODY_STAGE, CUSTODY_STATUS } from '../domain/search-attributes.js';

// What a finished run's workflow history says its projection must hold, and where the rows differ. The
// comparison is pure: the caller fetches the histories (their payloads decoded by `decodePayloads`) and the rows.
//
// What a history can show. The projection writes are local activities, and a local activity's marker keeps its
// type, its result and its summary, but not its input. What is there:
// - steps: runs since `steps-in-summaries` (pipeline-generation-3) give each batch of writes a summary naming
//   every write in it (`train running · evaluate succeeded · run succeeded`, `projectionSummary` in
//   domain/runs.ts), so a step's last status sent is read as it is. Earlier runs upsert each step
//   they start into the stage search attribute; a resumed execution's reused steps are the result of its
//   `loadCompletedSteps`; how each ended follows from the order of events (a step that another follows returned;
//   so did one followed by a status of success or by the privacy draw) and from how the execution closed (the
//   step it was in failed, or was cancelled);
// - trials: every `trainCandidate` activity, its input (the trial index) and its result (trial id, artifact);
// - gate decisions: every `decide` update with its input and outcome, every approve or reject signal, and one
//   `recordGateDecision` completion per decision the workflow recorded (accepted or refused), in order;
// - deployments: every `deploy` and `rollback` activity, their inputs (idempotency keys) and results.
// What it cannot, and is not compared: a step's output, error and position; what a recorded decision said (its
// `recordGateDecision` marker has no input: an update's or a signal's own input says it); whether the workflow
// accepted a signal's decision, and the gate of a decision by the timer; a trial's metrics and parameters, and
// the end of a trial whose activity failed (a failed attempt may not have recorded it); whether a deploy that
// failed left its row; how a deployment ended once other runs moved on; and anything of an execution ended from
// outside (terminated, timed out), whose last writes may never have been sent.

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One execution of a run's workflow (a resumed run has several, under one workflow id), oldest first. */
export interface Execution {
  /** Temporal's run id of the execution: what its gate decisions' sequences and its deployment keys carry. */
  runId: string;
  events: readonly HistoryEvent[];
}

/** A run's projection as stored, in the fields the comparison reads. */
export interface ProjectionRows {
  status: string;
  steps: { name: string; status: string }[];
  trials: { id: string; index: number; status: string; artifactSha256: string | null }[];
  /** Accepted decisions only: a refused one is an audit event, not a row. */
  gateDecisions: { gate: string; sequence: string; actor: string; decision: string; via: string }[];
  /** The run's deployments (run_id = the run): its own, and the versions its rollbacks restored. */
  deployments: { id: string; idempotencyKey: string; modelVersionId: string; stage: string; role: string; trafficPercent: number; ended: boolean }[];
}

/** A step's final status may be any of these; `NO_ROW` among them allows no row at all. */
export const NO_ROW = 'no row';

export type Close = 'open' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed out' | 'continued as new';

export type TrialFact = { ended: 'completed'; trialId: string; artifactSha256: string } | { ended: 'failed' | 'cancelled' | 'timed out' | 'open' };

export interface Decision {
  gate?: string;
  actor: string;
  decision: string;
}

/** The gate decisions one execution received and recorded. */
export interface ExecutionGates {
  runId: string;
  /** How many decisions the execution recorded (`recordGateDecision` completions): sequences 1 to this. */
  recorded: number;
  /** Decisions by `decide` update that the workflow accepted (the update completed with the gate's state). */
  accepted: Decision[];
  refused: number;
  /** Approve and reject signals: each is recorded, but whether it was accepted the history does not say. */
  signals: Decision[];
  /** Decisions of the gate's timer (timeouts, escalations): whatever was recorded besides updates and signals. */
  timer: number;
}

export interface DeployFact {
  execution: number;
  key: string;
  modelVersionId: string;
  stage: string;
  role: string;
  trafficPercent: number;
  ended: 'completed' | 'failed' | 'open';
  deploymentId?: string;
}

export interface RollbackFact {
  execution: number;
  key: string;
  stage: string;
  ended: 'completed' | 'failed' | 'open';
  restoredVersionId?: string | null;
}

/** What the history says the projection must hold. */
export interface HistoryProjection {
  /** How the latest execution closed, and the run statuses that close allows (none when it is open or was ended from outside). */
  close: Close;
  statuses: string[];
  /** By step name, the final statuses its row may have; null where the history cannot tell. */
  steps: Map<string, string[] | null>;
  trials: Map<number, TrialFact>;
  gates: ExecutionGates[];
  deploys: DeployFact[];
  rollbacks: RollbackFact[];
  /** Write summaries that name no step and status (see `readSummary`). */
  unreadable: string[];
}

/** Replaces every payload under `value` (a history's events, say) with what `change` makes of it, in place. */
export async function mapPayloads(value: unknown, change: (payload: Payload) => Promise<Payload>): Promise<void> {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return;
  const node = value as Record<string, unknown>;
  for (const key of Object.keys(node)) {
    const child = node[key];
    if (isPayload(child)) node[key] = await change(child);
    else await mapPayloads(child, change);
  }
}

const isPayload = (value: unknown): value is Payload => typeof value === 'object' && value !== null && !Array.isArray(value) && 'metadata' in value && 'data' in value;

/**
 * Decodes every payload of a history's events through the codecs its workers use (an encryption codec, say), as
 * the workflow saw them: `fetchHistory` leaves them as stored. Payloads no codec touched pass through unchanged.
 */
export async function decodePayloads(events: readonly HistoryEvent[], codecs: readonly PayloadCodec[]): Promise<void> {
  if (codecs.length === 0) return;
  await mapPayloads(events, async (payload) => {
    let decoded = [payload];
    for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
    return decoded[0]!;
  });
}

// The activities whose events the derivation reads, named through their types so a rename breaks the build here.
const LOAD_COMPLETED_STEPS: keyof RunsActivities = 'loadCompletedSteps';
const RECORD_PROJECTION: keyof RunsActivities = 'recordProjection';
const RECORD_GATE_DECISION: keyof RunsActivities = 'recordGateDecision';
const DRAW_PRIVACY_BUDGET: keyof DataActivities = 'drawPrivacyBudget';
const TRAIN_CANDIDATE: keyof TrainingActivities = 'trainCandidate';
const DEPLOY: keyof RegistryActivities = 'deploy';
const ROLLBACK: keyof RegistryActivities = 'rollback';

const TERMINAL = new Set(['succeeded', 'failed', 'rejected', 'rolled_back', 'cancelled']);

const value = (payload: Payload | null | undefined): any => (payload ? defaultPayloadConverter.fromPayload(payload) : undefined);
const first = (payloads: temporal.api.common.v1.IPayloads | null | undefined): any => value(payloads?.payloads?.[0]);

/** An actor as the workflow stores it (`Gates.apply`): trimmed, without NUL characters, at most 200 characters. */
const actorOf = (actor: unknown): string => (typeof actor === 'string' && actor.trim() ? actor.trim().replace(/\u0000/g, '').slice(0, 200) : '(missing)');

type Ended = 'completed' | 'failed' | 'cancelled' | 'timed out';

/** One activity's end, local (a marker) or not (its scheduled and closing events), with its input where the history keeps one. */
interface ActivityEnd {
  type: string;
  ended: Ended;
  input: any;
  result: any;
}

/** What one execution's history shows. */
interface ExecutionFacts {
  close: Close;
  result: any;
  /** Steps reused from an earlier execution (the result of `loadCompletedSteps`), if it loaded any. */
  reused: string[] | null;
  /** Steps it started, in order (stage upserts). */
  started: string[];
  /** The last started step returned: a status of success, or the privacy draw that follows validation, came after its start. */
  lastReturned: boolean;
  /** Runs since `steps-in-summaries`: every step write sent, in order, as the batches' summaries name them. */
  written: { step: string; status: string }[] | null;
  /** Runs since `steps-in-summaries`: how many reused steps the summaries counted (they name only the others). */
  reusedSent: number;
  /** A summary that names no write: what the history says of the steps cannot be read. */
  unreadable: string[];
  gates: ExecutionGates;
  trials: Map<number, TrialFact>;
  deploys: DeployFact[];
  rollbacks: RollbackFact[];
}

function readExecution(execution: Execution, index: number): ExecutionFacts {
  const facts: ExecutionFacts = {
    close: 'open',
    result: undefined,
    reused: null,
    started: [],
    lastReturned: false,
    written: null,
    reusedSent: 0,
    unreadable: [],
    gates: { runId: execution.runId, recorded: 0, accepted: [], refused: 0, signals: [], timer: 0 },
    trials: new Map(),
    deploys: [],
    rollbacks: [],
  };
  const scheduled = new Map<string, { type: string; input: any }>();
  const updates = new Map<string, any>();
  let terminalSeen = false;

  const onStart = (id: string, type: string, input: any) => {
    if (type === TRAIN_CANDIDATE && typeof input?.trialIndex === 'number') facts.trials.set(input.trialIndex, { ended: 'open' });
    if (type === DEPLOY) {
      facts.deploys.push({ execution: index, key: input.key, modelVersionId: input.modelVersionId, stage: input.stage, role: input.role, trafficPercent: input.trafficPercent, ended: 'open' });
    }
    if (type === ROLLBACK) facts.rollbacks.push({ execution: index, key: input.key, stage: input.stage, ended: 'open' });
    scheduled.set(id, { type, input });
  };
  const onEnd = ({ type, ended, input, result }: ActivityEnd) => {
    if (type === LOAD_COMPLETED_STEPS && ended === 'completed') facts.reused = Object.keys(result ?? {}).filter((name) => !name.startsWith('deploy:'));
    if (type === RECORD_GATE_DECISION && ended === 'completed') facts.gates.recorded++;
    // The draw runs only once validation has returned, between that step and training.
    if (type === DRAW_PRIVACY_BUDGET && facts.started.length > 0) facts.lastReturned = true;
    if (type === TRAIN_CANDIDATE && typeof input?.trialIndex === 'number') {
      facts.trials.set(input.trialIndex, ended === 'completed' ? { ended, trialId: result?.trialId, artifactSha256: result?.artifactSha256 } : { ended });
    }
    if (type === DEPLOY) {
      const deploy = facts.deploys.findLast((d) => d.key === input?.key);
      if (deploy) Object.assign(deploy, { ended: ended === 'completed' ? 'completed' : 'failed', ...(ended === 'completed' ? { deploymentId: result?.deploymentId } : {}) });
    }
    if (type === ROLLBACK) {
      const rollback = facts.rollbacks.findLast((r) => r.key === input?.key);
      if (rollback) Object.assign(rollback, { ended: ended === 'completed' ? 'completed' : 'failed', ...(ended === 'completed' ? { restoredVersionId: result?.restoredVersionId ?? null } : {}) });
    }
  };
  const endOf = (scheduledEventId: unknown, ended: Ended, result?: any) => {
    const activity = scheduled.get(String(scheduledEventId));
    if (activity) onEnd({ ...activity, ended, result });
  };

  for (const event of execution.events) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes) {
      const a = event.activityTaskScheduledEventAttributes;
      onStart(id, a.activityType?.name ?? '', first(a.input));
    } else if (event.activityTaskCompletedEventAttributes) {
      endOf(event.activityTaskCompletedEventAttributes.scheduledEventId, 'completed', first(event.activityTaskCompletedEventAttributes.result));
    } else if (event.activityTaskFailedEventAttributes) {
      endOf(event.activityTaskFailedEventAttributes.scheduledEventId, 'failed');
    } else if (event.activityTaskTimedOutEventAttributes) {
      endOf(event.activityTaskTimedOutEventAttributes.scheduledEventId, 'timed out');
    } else if (event.activityTaskCanceledEventAttributes) {
      endOf(event.activityTaskCanceledEventAttributes.scheduledEventId, 'cancelled');
    } else if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      // A local activity: its marker has its type and its result (or failure), never its input.
      const marker = event.markerRecordedEventAttributes;
      const data = first(marker.details?.data);
      const type = String(data?.activity_type ?? '');
      const summary = value(event.userMetadata?.summary);
      if (type === RECORD_PROJECTION && !marker.failure && typeof summary === 'string') readSummary(facts, summary);
      onEnd({ type, ended: marker.failure ? 'failed' : 'completed', input: undefined, result: first(marker.details?.result) });
    } else if (event.upsertWorkflowSearchAttributesEventAttributes) {
      const fields = event.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {};
      const stage = value(fields[CUSTODY_STAGE.name]);
      const status = value(fields[CUSTODY_STATUS.name]);
      if (typeof stage === 'string') {
        facts.started.push(stage);
        facts.lastReturned = false;
        terminalSeen = false;
      }
      // The first end status after a step's start: success comes only once every step has returned.
      if (typeof status === 'string' && TERMINAL.has(status) && !terminalSeen) {
        terminalSeen = true;
        if (status === 'succeeded') facts.lastReturned = true;
      }
    } else if (event.workflowExecutionSignaledEventAttributes) {
      const { signalName, input } = event.workflowExecutionSignaledEventAttributes;
      if (signalName === approveSignal.name || signalName === rejectSignal.name) {
        facts.gates.signals.push({ actor: actorOf(first(input)?.actor), decision: signalName === approveSignal.name ? 'approve' : 'reject' });
      }
    } else if (event.workflowExecutionUpdateAcceptedEventAttributes) {
      const request = event.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest;
      if (request?.input?.name === decideUpdate.name) updates.set(String(request.meta?.updateId ?? event.workflowExecutionUpdateAcceptedEventAttributes.protocolInstanceId), first(request.input.args));
    } else if (event.workflowExecutionUpdateCompletedEventAttributes) {
      const { meta, outcome } = event.workflowExecutionUpdateCompletedEventAttributes;
      const input = updates.get(String(meta?.updateId));
      if (input === undefined) continue;
      // Runs from before actors were verified answer a refused update with an empty state rather than a failure.
      const state = outcome?.success ? first(outcome.success) : undefined;
      if (state?.name) facts.gates.accepted.push({ gate: state.name, actor: actorOf(input?.actor), decision: String(input?.decision) });
      else facts.gates.refused++;
    } else if (event.workflowExecutionCompletedEventAttributes) {
      facts.close = 'completed';
      facts.result = first(event.workflowExecutionCompletedEventAttributes.result);
    } else if (event.workflowExecutionFailedEventAttributes) {
      facts.close = 'failed';
    } else if (event.workflowExecutionCanceledEventAttributes) {
      facts.close = 'cancelled';
    } else if (event.workflowExecutionTerminatedEventAttributes) {
      facts.close = 'terminated';
    } else if (event.workflowExecutionTimedOutEventAttributes) {
      facts.close = 'timed out';
    } else if (event.workflowExecutionContinuedAsNewEventAttributes) {
      facts.close = 'continued as new';
    }
  }
  const { gates } = facts;
  // Every decision the execution received is recorded once: by update, by signal, or by the gate's timer.
  gates.timer = gates.recorded - gates.accepted.length - gates.refused - gates.signals.length;
  return facts;
}

/** The writes a batch's summary names (`projectionSummary` in domain/runs.ts). */
function readSummary(facts: ExecutionFacts, summary: string): void {
  facts.written ??= [];
  const read = readProjectionSummary(summary);
  if (!read) {
    if (!facts.unreadable.includes(summary)) facts.unreadable.push(summary);
    return;
  }
  facts.reusedSent += read.reused;
  for (const { name, status } of read.writes) if (name !== 'run') facts.written.push({ step: name, status });
}

/** The run statuses a close allows: a completed run says how it ended in its result. */
function statusesOf(facts: ExecutionFacts): string[] {
  switch (facts.close) {
    case 'completed':
      return [String(facts.result?.status)];
    case 'failed':
      return ['failed'];
    case 'cancelled':
      return ['cancelled'];
    default:
      // Still open, or ended from outside (terminated, timed out): the workflow wrote no final status.
      return [];
  }
}

/** How the step that was running when an execution closed ended, as its step runner records it. */
function lastStepStatus(facts: ExecutionFacts): string | null {
  if (facts.lastReturned) return 'succeeded';
  switch (facts.close) {
    case 'completed':
      // Rejected (evaluation, a gate) and rolled back (a stage's check) are thrown inside their step.
      return facts.result?.status === 'succeeded' ? 'succeeded' : 'failed';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    default:
      return null;
  }
}

/**
 * What the executions' histories say the run's projection must hold. Rows are keyed (a step by name, a trial by
 * index), so a later execution's write replaces an earlier one's: the executions are read oldest first.
 */
export function historyProjection(executions: readonly Execution[]): HistoryProjection {
  const all = executions.map(readExecution);
  const steps = new Map<string, string[] | null>();
  const trials = new Map<number, TrialFact>();
  for (const facts of all) {
    // A step's success is sent with the run's next write: an execution ended from outside may not have sent its last ones.
    const certain = facts.close === 'completed' || facts.close === 'failed' || facts.close === 'cancelled';
    if (facts.written) {
      // Reused steps are counted, not named: all of them were sent when the count reaches them (they are held
      // together and sent with the run's next write), else any may still hold its earlier row.
      const allReused = facts.reusedSent >= (facts.reused ?? []).length;
      for (const name of facts.reused ?? []) steps.set(name, allReused && certain ? ['reused'] : union(['reused'], steps.get(name) ?? [NO_ROW]));
      // Every other write sent, named: a step's row holds the last status sent for it.
      for (const { step, status } of facts.written) steps.set(step, certain ? [status] : null);
      for (const [index, trial] of facts.trials) trials.set(index, trial);
      continue;
    }
    // Reused steps are written (as reused) once the run reaches them: certainly when it started a step of its own
    // after them, or succeeded; otherwise (cancelled while it loaded them, say) the earlier row may stand.
    const reached = facts.started.length > 0 || facts.lastReturned;
    for (const name of facts.reused ?? []) steps.set(name, reached && certain ? ['reused'] : union(['reused'], steps.get(name) ?? [NO_ROW]));
    facts.started.forEach((name, i) => {
      const status = i < facts.started.length - 1 ? 'succeeded' : lastStepStatus(facts);
      steps.set(name, certain && status ? [status] : null);
    });
    for (const [index, trial] of facts.trials) trials.set(index, trial);
  }
  const latest = all.at(-1);
  return {
    close: latest?.close ?? 'open',
    statuses: latest ? statusesOf(latest) : [],
    steps,
    trials,
    gates: all.map((f) => f.gates),
    deploys: all.flatMap((f) => f.deploys),
    rollbacks: all.flatMap((f) => f.rollbacks),
    unreadable: all.flatMap((f) => f.unreadable),
  };
}

function union(a: string[] | null, b: string[] | null): string[] | null {
  return a === null || b === null ? null : [...new Set([...a, ...b])];
}

/**
 * Where a finished run's rows differ from what its workflow history says, each in words: the run, the fact,
 * the history's value and the row's. The latest execution must have closed; an open run is not compared.
 */
export function projectionViolations(runId: string, executions: readonly Execution[], rows: ProjectionRows): string[] {
  const expected = historyProjection(executions);
  const violations: string[] = [];
  const differ = (fact: string, history: string, row: string) => violations.push(`run ${runId}: ${fact}: history says ${history}, row says ${row}`);

  if (!expected.statuses.includes(rows.status)) {
    differ('status', `the workflow ${expected.close === 'completed' ? `completed ${expected.statuses[0]}` : expected.close}${expected.statuses.length ? '' : ' (no status the workflow writes)'}`, rows.status);
  }

  // Steps: each step the history shows, and no row for a step it never reached.
  for (const summary of expected.unreadable) differ('steps', `a write summary that names no step and status ("${summary}")`, 'not compared with it');
  const stepRows = new Map(rows.steps.map((s) => [s.name, s.status]));
  for (const [name, allowed] of expected.steps) {
    if (allowed === null) continue;
    const status = stepRows.get(name) ?? NO_ROW;
    if (!allowed.includes(status)) differ(`step ${name}`, allowed.join(' or '), status);
  }
  for (const [name, status] of stepRows) if (!expected.steps.has(name)) differ(`step ${name}`, 'the run never reached it', status);

  // Trials: a completed training activity is a succeeded trial with its id and artifact. One that failed, timed
  // out or was cancelled may have no row (it failed before it started its trial) or a running one (its attempt lost
  // the database before it could record its end); it must not read as succeeded.
  const trialRows = new Map(rows.trials.map((t) => [t.index, t]));
  for (const [index, trial] of expected.trials) {
    const row = trialRows.get(index);
    if (trial.ended === 'completed') {
      const said = `succeeded (trial ${trial.trialId}, artifact ${trial.artifactSha256})`;
      if (!row) differ(`trial ${index}`, said, NO_ROW);
      else if (row.status !== 'succeeded' || row.id !== trial.trialId || row.artifactSha256 !== trial.artifactSha256) differ(`trial ${index}`, said, `${row.status} (trial ${row.id}, artifact ${row.artifactSha256})`);
    } else if (trial.ended !== 'open' && row?.status === 'succeeded') {
      differ(`trial ${index}`, `its training activity ${trial.ended}`, 'succeeded');
    }
  }
  for (const row of rows.trials) if (!expected.trials.has(row.index)) differ(`trial ${row.index}`, 'no training activity', `${row.status} (trial ${row.id})`);

  gateViolations(expected.gates, rows.gateDecisions, differ);
  deploymentViolations(expected, rows.deployments, differ);
  return violations;
}

type Differ = (fact: string, history: string, row: string) => void;

const decisionText = (d: Decision) => `${d.decision} by ${d.actor}${d.gate ? ` on ${d.gate}` : ''}`;
const listText = (list: string[]) => (list.length ? list.join(', ') : 'none');

/** What `from` holds that `take` does not, as multisets. */
function minus(from: string[], take: string[]): string[] {
  const left = [...take];
  return from.filter((item) => {
    const at = left.indexOf(item);
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
}

/**
 * Accepted gate decisions, per execution (a row's sequence is `<execution>:<n>`): those by update are exactly
 * the updates the workflow accepted; one by signal must match a signal (whether the workflow accepted a signal
 * the history does not say); those of the timer are as many as the decisions recorded besides updates and
 * signals. No row's sequence is past the decisions its execution recorded.
 */
function gateViolations(gates: ExecutionGates[], rows: ProjectionRows['gateDecisions'], differ: Differ): void {
  const byExecution = new Map(gates.map((g) => [g.runId, [] as ProjectionRows['gateDecisions']]));
  for (const row of rows) {
    const at = row.sequence.lastIndexOf(':');
    const execution = row.sequence.slice(0, at);
    const sequence = Number(row.sequence.slice(at + 1));
    const recorded = gates.find((g) => g.runId === execution)?.recorded;
    // Runs from before decisions were keyed per execution numbered them alone: those name no execution.
    if (recorded === undefined) differ(`gate decision ${row.sequence} (${decisionText(row)} via ${row.via})`, 'no execution of the run made it', 'accepted');
    else if (!(sequence >= 1 && sequence <= recorded)) differ(`gate decision ${row.sequence} (${decisionText(row)} via ${row.via})`, `execution ${execution} recorded ${recorded} decisions`, `decision number ${sequence}`);
    byExecution.get(execution)?.push(row);
  }
  for (const execution of gates) {
    const mine = byExecution.get(execution.runId)!;
    const fact = (what: string) => `accepted gate decisions ${what} in execution ${execution.runId}`;
    const viaApi = mine.filter((r) => r.via === 'api').map(decisionText);
    const accepted = execution.accepted.map(decisionText);
    if (minus(accepted, viaApi).length || minus(viaApi, accepted).length) differ(fact('by update'), listText(accepted), listText(viaApi));
    const bySignal = mine.filter((r) => r.via === 'signal').map((r) => decisionText({ actor: r.actor, decision: r.decision }));
    const unmatched = minus(bySignal, execution.signals.map(decisionText));
    if (unmatched.length) differ(fact('by signal'), `signals ${listText(execution.signals.map(decisionText))}`, listText(unmatched));
    const byTimer = mine.filter((r) => r.via === 'timer');
    if (byTimer.length !== Math.max(execution.timer, 0) || byTimer.some((r) => r.actor !== TIMER_ACTOR)) {
      differ(fact('by the timer'), `${Math.max(execution.timer, 0)} (of ${execution.recorded} recorded)`, listText(byTimer.map(decisionText)));
    }
    const other = mine.filter((r) => !['api', 'signal', 'timer'].includes(r.via));
    if (other.length) differ(fact('by other means'), 'none', listText(other.map((r) => `${decisionText(r)} via ${r.via}`)));
  }
}

const deploymentText = (d: { stage: string; role: string; trafficPercent: number; modelVersionId: string }) => `${d.stage} ${d.role} ${d.trafficPercent}% of version ${d.modelVersionId}`;

/**
 * Deployments, by idempotency key: each completed deploy is its row (id, version, stage, role, traffic); each
 * completed rollback restored what its result says (a primary under its key) and ended every deployment the run
 * had made on that stage before it. A deploy that failed may have left its row (its transaction committed, its
 * answer was lost) or not: the history cannot tell. No row has a key the history never used.
 */
function deploymentViolations(expected: HistoryProjection, rows: ProjectionRows['deployments'], differ: Differ): void {
  const byKey = new Map(rows.map((r) => [r.idempotencyKey, r]));
  for (const deploy of expected.deploys) {
    if (deploy.ended !== 'completed') continue;
    const row = byKey.get(deploy.key);
    const said = `${deploymentText(deploy)} (deployment ${deploy.deploymentId})`;
    if (!row) differ(`deployment ${deploy.key}`, said, NO_ROW);
    else if (row.id !== deploy.deploymentId || deploymentText(row) !== deploymentText(deploy)) differ(`deployment ${deploy.key}`, said, `${deploymentText(row)} (deployment ${row.id})`);
  }
  for (const rollback of expected.rollbacks) {
    if (rollback.ended !== 'completed') continue;
    const row = byKey.get(rollback.key);
    if (rollback.restoredVersionId === null || rollback.restoredVersionId === undefined) {
      if (row) differ(`deployment ${rollback.key}`, 'the rollback restored nothing', deploymentText(row));
    } else {
      const restored = { stage: rollback.stage, role: 'primary', trafficPercent: 100, modelVersionId: rollback.restoredVersionId };
      if (!row || deploymentText(row) !== deploymentText(restored)) differ(`deployment ${rollback.key}`, `the rollback restored ${deploymentText(restored)}`, row ? deploymentText(row) : NO_ROW);
    }
    // A rollback runs in its execution's clean-up, after every deploy of that execution.
    for (const deploy of expected.deploys) {
      const row = byKey.get(deploy.key);
      if (deploy.execution <= rollback.execution && deploy.stage === rollback.stage && row && !row.ended) differ(`deployment ${deploy.key}`, `ended by rollback ${rollback.key}`, 'still active');
    }
  }
  const keys = new Set([...expected.deploys.map((d) => d.key), ...expected.rollbacks.map((r) => r.key)]);
  for (const row of rows) if (!keys.has(row.idempotencyKey)) differ(`deployment ${row.idempotencyKey}`, 'no deploy or rollback with this key', `${deploymentText(row)} (deployment ${row.id})`);
}
