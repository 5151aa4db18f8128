import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client, type WorkflowStartOptions } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { recordedUpdate } from '../domain/pipeline/messages.js';
import type { PipelineStart } from '../domain/pipeline/start.js';
import type { pipeline } from '../workflows/pipeline/pipeline.js';

/** What starting a run's workflow with its `recorded` update came to. */
export type RecordedStart =
  /** The workflow recorded this execution: a read finds the run as it is. */
  | { outcome: 'recorded' }
  /** It started, but no worker recorded it in time: its record appears when one does. */
  | { outcome: 'unrecorded'; why: string }
  /** It ended before it answered (a spec the worker refuses, say): `why` is its failure. */
  | { outcome: 'ended'; why: string };

/**
 * Starts (or, resuming, starts again) a run's `pipeline` workflow together with its `recorded` update, as one
 * update-with-start, and waits up to `waitMs` for the answer. Only the update waits for a worker, so when the
 * wait ends Temporal is asked what started. Throws when nothing started (Temporal refused or was unreachable).
 */
export async function startRecordedRun(client: Client, taskQueue: string, start: PipelineStart, options: { resume?: boolean; waitMs: number }): Promise<RecordedStart> {
  return await startRecorded<typeof pipeline>(client, 'pipeline', { ...start, taskQueue }, options);
}

/**
 * Starts any workflow of ours that records itself, with its `recorded` update, as one update-with-start: a run's
 * `pipeline`, a scoring job's `batchScore`. See startRecordedRun.
 */
export async function startRecorded<W extends Workflow>(
  client: Client,
  workflowType: string,
  start: Omit<WorkflowStartOptions<W>, 'workflowIdConflictPolicy'> & { workflowId: string },
  options: { resume?: boolean; waitMs: number },
): Promise<RecordedStart> {
  const asked = Date.now();
  const operation = new WithStartWorkflowOperation<W>(workflowType, {
    ...(start as WorkflowStartOptions<W>),
    workflowIdConflictPolicy: 'FAIL',
    ...(options.resume ? { workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE } : {}),
  });
  try {
    await client.connection.withDeadline(asked + options.waitMs, () => client.workflow.executeUpdateWithStart(recordedUpdate, { startWorkflowOperation: operation }));
    return { outcome: 'recorded' };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw error;
    const handle = client.workflow.getHandle(start.workflowId);
    const execution = await handle.describe().catch(() => null);
    // A resume is its own execution, started after it was asked for (clocks apart by a second at most).
    if (!execution || execution.startTime.getTime() < asked - 1000) throw error;
    if (execution.status.name === 'RUNNING') return { outcome: 'unrecorded', why: (error as Error).message };
    const why = await handle.result().then(
      () => `it ended as ${execution.status.name}`,
      (failure: Error) => (failure.cause instanceof Error ? failure.cause.message : failure.message),
    );
    return { outcome: 'ended', why };
  }
}
