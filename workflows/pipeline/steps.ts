import { CancellationScope, proxyActivities, proxyLocalActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { GatesActivities } from '../../activities/gates/gates.activities.js';
import type { RunsActivities } from '../../activities/runs/runs.activities.js';
import { projectionSummary, type FailureDetail, type ProjectionFence, type ProjectionWrite, type RunWrite, type StepWrite } from '../../domain/runs.js';
import { CUSTODY_STAGE } from '../../domain/search-attributes.js';
import type { Changes } from './changes.js';
import { endedByCancel } from './failures.js';

/** Short, retried database work: the projection must catch up however long the database is away. */
export const PROJECTION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/**
 * The same writes as local activities: run by the worker that runs the workflow, recorded as a marker,
 * no round trip through the server's task queues. Each write is idempotent, so running one twice (a
 * workflow task that failed after it) is harmless. The retry threshold is above the longest backoff, so
 * a write is always retried as the same local activity: its id, which keys its audit event, never changes.
 */
export const LOCAL_PROJECTION_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '15 seconds',
  localRetryThreshold: '1 minute',
  retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** The run's projection writes (and the gate checks, which read it), as this run makes them. */
export interface Projection {
  runs: RunsActivities;
  gates: GatesActivities;
}

const remote: Projection = { runs: proxyActivities<RunsActivities>(PROJECTION_OPTIONS), gates: proxyActivities<GatesActivities>(PROJECTION_OPTIONS) };
const local: Projection = { runs: proxyLocalActivities<RunsActivities>(LOCAL_PROJECTION_OPTIONS), gates: proxyLocalActivities<GatesActivities>(LOCAL_PROJECTION_OPTIONS) };

/**
 * Runs with the change `local-projection-writes` write their projection with local activities,
 * so a step costs about one activity; runs started before replay with regular ones.
 */
export function projection(useLocal: boolean): Projection {
  return useLocal ? local : remote;
}

/**
 * Numbers the run's projection writes in the order the workflow makes them, under this execution's start
 * (runs with the change `projection-fence`); earlier runs write unfenced, as they did.
 */
export function projectionFence(on: boolean): () => ProjectionFence | undefined {
  if (!on) return () => undefined;
  const epoch = workflowInfo().runStartTime.getTime();
  let seq = 0;
  return () => ({ epoch, seq: ++seq });
}

/**
 * How a run's workflow sends its projection writes. `now` sends a write (and any held before it) and waits for
 * it; `later` holds a write that nothing reads before the run's next write, such as a step's success just
 * before the next step starts, and sends it with that one.
 */
export interface ProjectionWriter {
  /** Batched runs record a step's start inside the step, so a start a cancellation cut short ends recorded as cancelled. */
  readonly batched: boolean;
  now(write: ProjectionWrite): Promise<void>;
  later(write: ProjectionWrite): Promise<void>;
}

type RecordProjection = RunsActivities['recordProjection'] & { executeWithOptions?: (options: LocalActivityOptions, args: Parameters<RunsActivities['recordProjection']>) => ReturnType<RunsActivities['recordProjection']> };

/**
 * Runs with the change `batched-projection-writes` send held writes with the next, as one local activity;
 * earlier runs send each write as its own activity, as they did. A batch that fails (a cancellation) keeps its
 * writes for the next batch, which the run's clean-up always sends; sending a write twice is harmless. Runs with
 * `steps-in-summaries` (`summarized`) give each batch its summary, so the history names the steps it records.
 */
export function projectionWriter(runs: Pick<RunsActivities, 'recordStep' | 'updateRun' | 'recordProjection'>, runId: string, batched: boolean, summarized = false): ProjectionWriter {
  if (!batched) {
    const send = async (write: ProjectionWrite) => void ('step' in write ? await runs.recordStep(write.step) : await runs.updateRun(write.run));
    return { batched, now: send, later: send };
  }
  const record: RecordProjection = runs.recordProjection;
  const send = (writes: ProjectionWrite[]) =>
    summarized && record.executeWithOptions ? record.executeWithOptions({ ...LOCAL_PROJECTION_OPTIONS, summary: projectionSummary(writes) }, [{ runId, writes }]) : record({ runId, writes });
  let held: ProjectionWrite[] = [];
  return {
    batched,
    async now(write) {
      const writes = [...held, write];
      held = [];
      try {
        await send(writes);
      } catch (error) {
        held = [...writes, ...held];
        throw error;
      }
    },
    async later(write) {
      held.push(write);
    },
  };
}

export const stepWrite = (step: StepWrite): ProjectionWrite => ({ step });
export const runWrite = (run: RunWrite): ProjectionWrite => ({ run });

export type StepRunner = <T extends object>(name: string, work: () => Promise<T>) => Promise<T>;

/**
 * The step discipline of a run: each step is recorded as running, then as succeeded (with its small
 * output) or failed/cancelled (with its error); on resume, a step that succeeded before is not run
 * again and its recorded output is returned. The UI's current details name the step, as does its start's summary.
 * A step's success is sent with the run's next write, before anything that could read it runs.
 */
export function createStepRunner(options: {
  runId: string;
  writer: ProjectionWriter;
  /** Outputs of steps a previous execution completed, by step name. */
  completed: Record<string, Record<string, unknown>>;
  onStart?: (name: string) => void;
  describe: (error: unknown) => FailureDetail;
  /** The next write's fence (see `projectionFence`). */
  fence: () => ProjectionFence | undefined;
  changes: Changes;
}): StepRunner {
  const { runId, completed, writer, fence } = options;
  const summarized = options.changes.has('steps-in-summaries');
  let position = 0;
  return async function step<T extends object>(name: string, work: () => Promise<T>): Promise<T> {
    const at = ++position;
    if (completed[name]) {
      await writer.later(stepWrite({ runId, step: name, position: at, status: 'reused', output: completed[name], fence: fence() }));
      return completed[name] as T;
    }
    options.onStart?.(name);
    setCurrentDetails(`**Step:** ${name}`);
    // Runs since `steps-in-summaries` name the step in its start's summary; earlier ones upsert it, as they did.
    if (!summarized) upsertSearchAttributes([{ key: CUSTODY_STAGE, value: name }]);
    const start = () => writer.now(stepWrite({ runId, step: name, position: at, status: 'running', fence: fence() }));
    if (!writer.batched) await start();
    try {
      if (writer.batched) await start();
      const output = await work();
      await writer.later(stepWrite({ runId, step: name, position: at, status: 'succeeded', output: output as Record<string, unknown>, fence: fence() }));
      return output;
    } catch (error) {
      const cancelled = endedByCancel(error, options.changes);
      await CancellationScope.nonCancellable(() =>
        writer.now(stepWrite({ runId, step: name, position: at, status: cancelled ? 'cancelled' : 'failed', error: options.describe(error), fence: fence() })),
      );
      throw error;
    }
  };
}
