import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { scoringWorkflowId, type ScoringRequest } from '../domain/scoring.js';
import type { batchScore } from '../workflows/scoring/batch-score.js';
import { otherLoad } from './processes.js';

// One scoring job started as the API starts one, and where its time went, read from its workflow's history.

export interface JobFigures {
  rows: number;
  /** From the start request to the result, as its starter waits. */
  wallMs: number;
  /** The chunks' time inside the model, summed. */
  scoreMs: number;
  /** One pass over the input, finding the chunks' byte ranges. */
  planMs: number;
  /** From the first chunk's scheduling to the last chunk's end. */
  chunksMs: number;
  /** The chunk activities' own time (started to closed), summed: the model, reading, parsing, writing, storing. */
  chunkActivityMs: number;
  /** Joining the parts, profiling the output and registering it. */
  assembleMs: number;
  /** Chunks each worker process scored, most first. */
  chunksByWorker: number[];
  /** Cores that processes other than the bench's own took meanwhile. */
  othersCores: number;
}

interface ActivitySpan {
  name: string;
  scheduled: number;
  started: number;
  closed: number;
  identity: string;
}

/** Starts a `batchScore` job, waits for it, and reads its phases from its history; `ours` are the bench's processes. */
export async function runScoringJob(client: Client, taskQueue: string, request: ScoringRequest, ours: () => number[]): Promise<JobFigures> {
  const jobId = randomUUID();
  const others = otherLoad(ours);
  const started = performance.now();
  const handle = await client.workflow.start<typeof batchScore>('batchScore', { taskQueue, workflowId: scoringWorkflowId(jobId), args: [{ jobId, request, requestedBy: 'bench' }] });
  const report = await handle.result();
  const wallMs = performance.now() - started;
  const othersCores = others.stop();
  const spans = activitySpans(await handle.fetchHistory());
  const chunks = spans.filter((s) => s.name === 'scoreChunk');
  const byWorker = new Map<string, number>();
  for (const chunk of chunks) byWorker.set(chunk.identity, (byWorker.get(chunk.identity) ?? 0) + 1);
  const only = (name: string) => spans.filter((s) => s.name === name).reduce((total, s) => total + s.closed - s.scheduled, 0);
  return {
    rows: report.rows,
    wallMs,
    scoreMs: report.scoreMs,
    planMs: only('planScoring'),
    chunksMs: Math.max(...chunks.map((s) => s.closed)) - Math.min(...chunks.map((s) => s.scheduled)),
    chunkActivityMs: chunks.reduce((total, s) => total + s.closed - s.started, 0),
    assembleMs: only('assembleScores') + only('assembleRejects'),
    chunksByWorker: [...byWorker.values()].sort((a, b) => b - a),
    othersCores,
  };
}

/** Every activity that completed: its name, when it was scheduled, started and closed, and the worker that ran it. */
function activitySpans(history: History): ActivitySpan[] {
  const spans = new Map<string, ActivitySpan>();
  for (const event of history.events ?? []) {
    const at = tsToMs(event.eventTime);
    const scheduled = event.activityTaskScheduledEventAttributes;
    const started = event.activityTaskStartedEventAttributes;
    const completed = event.activityTaskCompletedEventAttributes;
    if (scheduled) spans.set(String(event.eventId), { name: scheduled.activityType?.name ?? '', scheduled: at, started: at, closed: at, identity: '' });
    const span = spans.get(String(started?.scheduledEventId ?? completed?.scheduledEventId));
    if (started && span) Object.assign(span, { started: at, identity: started.identity ?? '' });
    if (completed && span) span.closed = at;
  }
  return [...spans.values()];
}
