import { Client, Connection, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { sql } from 'drizzle-orm';
import { createRepositories } from '../db/repositories/index.js';
import type { Cluster } from './cluster.js';
import type { Acknowledged } from './load.js';
import type { InvariantResult, Rows } from './invariant.js';
import { decodePayloads, projectionViolations, type Execution, type HistoryEvent, type ProjectionRows } from './projection.js';
import { webhooksDelivered } from './webhooks.js';

export type { InvariantResult, Rows };

/** How a run of each shape ends when nothing is lost: faults may slow it, never change its outcome. */
const OUTCOME: Record<string, string> = { pass: 'succeeded', invalid: 'failed', approve: 'succeeded', reject: 'rejected', cancel: 'cancelled', resume: 'succeeded' };

const TERMINAL = new Set(['succeeded', 'failed', 'rejected', 'cancelled', 'rolled_back']);

/**
 * What a workflow still open is waiting on, for a violation's text: its pending activities (attempts, last
 * failures), a workflow task that keeps failing, and the last events of its history.
 */
async function waitingOn(client: Client, workflowId: string, description: WorkflowExecutionDescription): Promise<string> {
  if (description.status.name !== 'RUNNING') return '';
  const pending = (description.raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt} (${a.state}) ${a.lastFailure?.message ?? ''}`.trim());
  const children = description.raw.pendingChildren?.length ?? 0;
  const task = description.raw.pendingWorkflowTask;
  const workflowTask = task ? `, a workflow task (attempt ${task.attempt}, state ${task.state})` : '';
  const history = await client.workflow.getHandle(workflowId).fetchHistory().catch(() => null);
  const last = (history?.events ?? []).slice(-8).map(eventText).join(' > ');
  return `; pending: ${pending.join(', ') || 'no activities'}${children ? `, ${children} child workflows` : ''}${workflowTask}; history length ${description.historyLength}${last ? `, ending ${last}` : ''}`;
}

/** One history event in a few words: its type, and the failure or marker it carries. */
function eventText(event: proto.temporal.api.history.v1.IHistoryEvent): string {
  const type = proto.temporal.api.enums.v1.EventType[event.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? String(event.eventType);
  const failure = event.workflowTaskFailedEventAttributes?.failure?.message ?? event.activityTaskFailedEventAttributes?.failure?.message;
  const marker = event.markerRecordedEventAttributes?.markerName;
  const timer = event.timerStartedEventAttributes?.startToFireTimeout?.seconds;
  return `${type}${failure ? ` (${failure.slice(0, 200)})` : ''}${marker ? ` (${marker})` : ''}${timer !== undefined && timer !== null ? ` (${String(timer)} s)` : ''}`;
}

/** Every invariant over what the load saw acknowledged, read from Postgres (SQL), Temporal (the client) and the audit chain. */
export async function checkInvariants(
  cluster: Cluster,
  acknowledged: Acknowledged[],
  seen: { predictionIds: readonly string[]; labelled?: readonly string[]; webhooks?: { since: Date; attempts: Map<string, { delivery: string; status: number }[]> } },
): Promise<InvariantResult[]> {
  const { db } = cluster.database;
  const query = async (text: string): Promise<Rows> => (await db.execute(sql.raw(text))) as unknown as Rows;
  const connection = await Connection.connect({ address: cluster.temporalAddress });
  const client = new Client({ connection, dataConverter: cluster.dataConverter });
  try {
    const results: InvariantResult[] = [];
    const runs = new Map((await query('select id::text, status, workflow_id, error, current_step from pipeline_runs')).map((r) => [r.id as string, r]));

    const once: InvariantResult = { invariant: 'every acknowledged submission is exactly one run and one workflow, terminal or at its gate', checked: acknowledged.length, violations: [] };
    const outcome: InvariantResult = { invariant: 'every run ends as its kind says (passing, failing validation, approved, rejected, cancelled, cancelled and resumed)', checked: 0, violations: [] };
    for (const { runId, shape } of acknowledged) {
      const run = runs.get(runId);
      if (!run) {
        once.violations.push(`run ${runId} was acknowledged but is not stored`);
        continue;
      }
      outcome.checked++;
      if (run.status !== OUTCOME[shape]) outcome.violations.push(`run ${runId} (${shape}) ended ${run.status}, not ${OUTCOME[shape]}${run.error ? `: ${JSON.stringify(run.error)}` : ''}`);
      if (!TERMINAL.has(run.status as string) && run.status !== 'awaiting_approval') once.violations.push(`run ${runId} is still ${run.status}${run.current_step ? ` at ${run.current_step}` : ''}`);
      const description = await client.workflow.getHandle(run.workflow_id as string).describe().catch(() => null);
      if (!description) once.violations.push(`run ${runId} has no workflow ${run.workflow_id}`);
    }
    results.push(once, await projectionMatchesHistory(client, query, runs, cluster.dataConverter?.payloadCodecs ?? []), outcome);

    const duplicates = async (invariant: string, text: string) => {
      const rows = await query(text);
      results.push({ invariant, checked: 1, violations: rows.map((r) => JSON.stringify(r)) });
    };
    await duplicates('no run stored twice for one workflow', 'select workflow_id, count(*) from pipeline_runs group by 1 having count(*) > 1');
    await duplicates('no step recorded twice', 'select run_id, name, count(*) from run_steps group by 1, 2 having count(*) > 1');
    await duplicates('no trial recorded twice', 'select run_id, trial_index, count(*) from trials group by 1, 2 having count(*) > 1');
    await duplicates('no model version registered twice by a run', 'select run_id, count(*) from model_versions group by 1 having count(*) > 1');
    await duplicates('no accepted gate decision recorded twice', 'select run_id, gate, actor, decision, count(*) from gate_decisions where accepted group by 1, 2, 3, 4 having count(*) > 1');
    await duplicates('no audit event written twice', "select action, subject_id, count(*) from audit_events where action in ('run.submitted', 'model.registered', 'dataset.registered') group by 1, 2 having count(*) > 1");
    await duplicates('no event published twice', 'select key, count(*) from events group by 1 having count(*) > 1');
    await duplicates(
      'no two retrainings of one model at once',
      `select a.model_name, a.id as first, b.id as second from pipeline_runs a join pipeline_runs b on a.model_name = b.model_name and a.id < b.id
         where a.trigger = 'retrain' and b.trigger = 'retrain'
           and a.created_at < coalesce(b.finished_at, 'infinity') and b.created_at < coalesce(a.finished_at, 'infinity')`,
    );
    await duplicates(
      'at most one production primary per model at any instant',
      `select a.model_id, a.id as first, b.id as second from deployments a join deployments b on a.model_id = b.model_id and a.id < b.id
         where a.stage = 'production' and b.stage = 'production' and a.role = 'primary' and b.role = 'primary'
           and a.started_at < coalesce(b.ended_at, 'infinity') and b.started_at < coalesce(a.ended_at, 'infinity')`,
    );

    results.push(await predictionsLogged(query, seen.predictionIds));
    if (seen.labelled) results.push(await labelsKept(query, seen.labelled));
    if (seen.webhooks) results.push(await webhooksDelivered(query, seen.webhooks.since, seen.webhooks.attempts));

    const verification = await createRepositories(db).audit.verify();
    results.push({ invariant: 'the audit chain verifies', checked: verification.checked, violations: verification.ok ? [] : [JSON.stringify(verification.firstBad)] });
    return results;
  } finally {
    await connection.close();
  }
}

/**
 * Every stored run (acknowledged or not: retrainings, submissions whose answer was lost) against the histories of
 * its workflow's executions (a resumed run has several under one workflow id): once its latest has closed, the
 * run's status, steps, trials, accepted gate decisions and deployments are what they say (faults/projection.ts
 * says what a history can show and what it cannot). A run whose workflow is still open must be at its gate.
 */
async function projectionMatchesHistory(client: Client, query: (text: string) => Promise<Rows>, runs: Map<string, Rows[number]>, codecs: readonly PayloadCodec[]): Promise<InvariantResult> {
  const result: InvariantResult = { invariant: "a finished run's status, steps, trials, accepted gate decisions and deployments are what its workflow history says", checked: 0, violations: [] };
  const rowsOf = await projectionRows(query);
  for (const [runId, run] of runs) {
    const workflowId = run.workflow_id as string;
    try {
      const executions = await executionsOf(client, workflowId, codecs);
      const latest = executions.at(-1);
      if (!latest) {
        result.violations.push(`run ${runId} has no workflow ${workflowId}`);
        continue;
      }
      result.checked++;
      if (!latest.events.some(closes)) {
        if (run.status === 'awaiting_approval') continue;
        const description = await client.workflow.getHandle(workflowId, latest.runId).describe();
        result.violations.push(`run ${runId} is stored as ${run.status}, its workflow is ${description.status.name}${await waitingOn(client, workflowId, description)}`);
        continue;
      }
      result.violations.push(...projectionViolations(runId, executions, rowsOf(runId, run.status as string)));
    } catch (error) {
      result.violations.push(`run ${runId}: the history of its workflow ${workflowId} could not be read: ${(error as Error).message}`);
    }
  }
  return result;
}

const closes = (event: HistoryEvent): boolean =>
  Boolean(
    event.workflowExecutionCompletedEventAttributes ??
      event.workflowExecutionFailedEventAttributes ??
      event.workflowExecutionCanceledEventAttributes ??
      event.workflowExecutionTerminatedEventAttributes ??
      event.workflowExecutionTimedOutEventAttributes ??
      event.workflowExecutionContinuedAsNewEventAttributes,
  );

/** Every execution of a workflow id, oldest first, each with its history decoded as its workflow saw it. */
async function executionsOf(client: Client, workflowId: string, codecs: readonly PayloadCodec[]): Promise<Execution[]> {
  const found: Pick<WorkflowExecutionInfo, 'runId' | 'startTime'>[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) found.push(execution);
  // The list is read from visibility, which may not show yet an execution that began a moment ago (a resume); the
  // workflow id's latest execution is asked of the server itself.
  const latest = await client.workflow.getHandle(workflowId).describe();
  if (!found.some((execution) => execution.runId === latest.runId)) found.push(latest);
  found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  return await Promise.all(
    found.map(async ({ runId }) => {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      await decodePayloads(events, codecs);
      return { runId, events };
    }),
  );
}

/** Every run's projection rows, read once and grouped by run. */
async function projectionRows(query: (text: string) => Promise<Rows>): Promise<(runId: string, status: string) => ProjectionRows> {
  const [steps, trials, decisions, deployments] = await Promise.all([
    query('select run_id::text, name, status from run_steps'),
    query('select run_id::text, id::text, trial_index, status, artifact_sha256 from trials'),
    query('select run_id::text, gate, sequence, actor, decision, via from gate_decisions where accepted'),
    query('select run_id::text, id::text, idempotency_key, model_version_id::text, stage, role, traffic_percent, ended_at is not null as ended from deployments where run_id is not null'),
  ]);
  const byRun = (rows: Rows) => {
    const grouped = new Map<string, Rows>();
    for (const row of rows) {
      const list = grouped.get(row.run_id as string);
      if (list) list.push(row);
      else grouped.set(row.run_id as string, [row]);
    }
    return (runId: string) => grouped.get(runId) ?? [];
  };
  const [stepsOf, trialsOf, decisionsOf, deploymentsOf] = [byRun(steps), byRun(trials), byRun(decisions), byRun(deployments)];
  return (runId, status) => ({
    status,
    steps: stepsOf(runId).map((r) => ({ name: r.name as string, status: r.status as string })),
    trials: trialsOf(runId).map((r) => ({ id: r.id as string, index: Number(r.trial_index), status: r.status as string, artifactSha256: (r.artifact_sha256 as string | null) ?? null })),
    gateDecisions: decisionsOf(runId).map((r) => ({ gate: r.gate as string, sequence: r.sequence as string, actor: r.actor as string, decision: r.decision as string, via: r.via as string })),
    deployments: deploymentsOf(runId).map((r) => ({
      id: r.id as string,
      idempotencyKey: r.idempotency_key as string,
      modelVersionId: r.model_version_id as string,
      stage: r.stage as string,
      role: r.role as string,
      trafficPercent: Number(r.traffic_percent),
      ended: Boolean(r.ended),
    })),
  });
}

/**
 * Every acknowledged prediction is in the log, once (its id is the key). A prediction the API could not spool
 * would count as lost; the suite's disk never fails, so none may be missing. The spool of a killed API is
 * written by the next one, so the check waits for the log to catch up, a minute at most.
 */
async function predictionsLogged(query: (text: string) => Promise<Rows>, ids: readonly string[]): Promise<InvariantResult> {
  const result: InvariantResult = { invariant: 'every acknowledged prediction is in the log, once', checked: ids.length, violations: [] };
  if (ids.length === 0) return result;
  const deadline = Date.now() + 60_000;
  let missing: string[] = [];
  do {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 5000) {
      const list = ids.slice(i, i + 5000).map((id) => `'${id.replace(/[^0-9a-f-]/gi, '')}'`).join(',');
      for (const row of await query(`select id::text from predictions where id in (${list})`)) found.add(row.id as string);
    }
    missing = ids.filter((id) => !found.has(id));
    if (missing.length === 0) return result;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  } while (Date.now() < deadline);
  result.violations.push(`${missing.length} acknowledged predictions are not in the log, such as ${missing.slice(0, 3).join(', ')}`);
  return result;
}

/** Every acknowledged feedback is on its prediction. */
async function labelsKept(query: (text: string) => Promise<Rows>, ids: readonly string[]): Promise<InvariantResult> {
  const result: InvariantResult = { invariant: 'every acknowledged feedback is kept on its prediction', checked: ids.length, violations: [] };
  if (ids.length === 0) return result;
  const list = ids.map((id) => `'${id.replace(/[^0-9a-f-]/gi, '')}'`).join(',');
  const kept = new Set((await query(`select id::text from predictions where id in (${list}) and label is not null`)).map((r) => r.id as string));
  const lost = ids.filter((id) => !kept.has(id));
  if (lost.length > 0) result.violations.push(`${lost.length} acknowledged labels are missing, such as ${lost.slice(0, 3).join(', ')}`);
  return result;
}
