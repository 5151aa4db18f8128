import { CancellationScope, proxyActivities, proxyLocalActivities, upsertSearchAttributes, workflowInfo, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { GatesActivities } from '../../activities/gates/gates.activities.js';
import type { RunsActivities } from '../../activities/runs/runs.activities.js';
import type { ProjectionFence, StepError } from '../../domain/runs.js';
import { CUSTODY_STAGE } from '../../domain/search-attributes.js';
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
 * Runs started since `patched('local-projection-writes')` write their projection with local activities,
 * so a step costs about one activity; runs started before replay with regular ones.
 */
export function projection(useLocal: boolean): Projection {
  return useLocal ? local : remote;
}

/**
 * Numbers the run's projection writes in the order the workflow makes them, under this execution's start
 * (runs started since `patched('projection-fence')`); earlier runs write unfenced, as they did.
 */
export function projectionFence(on: boolean): () => ProjectionFence | undefined {
  if (!on) return () => undefined;
  const epoch = workflowInfo().runStartTime.getTime();
  let seq = 0;
  return () => ({ epoch, seq: ++seq });
}

export type StepRunner = <T extends object>(name: string, work: () => Promise<T>) => Promise<T>;

/**
 * The step discipline of a run: each step is recorded as running, then as succeeded (with its small
 * output) or failed/cancelled (with its error); on resume, a step that succeeded before is not run
 * again and its recorded output is returned. The stage search attribute follows the current step.
 */
export function createStepRunner(options: {
  runId: string;
  runs: Pick<RunsActivities, 'recordStep'>;
  /** Outputs of steps a previous execution completed, by step name. */
  completed: Record<string, Record<string, unknown>>;
  onStart?: (name: string) => void;
  describe: (error: unknown) => StepError;
  /** The next write's fence (see `projectionFence`). */
  fence: () => ProjectionFence | undefined;
}): StepRunner {
  const { runId, completed, runs, fence } = options;
  let position = 0;
  return async function step<T extends object>(name: string, work: () => Promise<T>): Promise<T> {
    const at = ++position;
    if (completed[name]) {
      await runs.recordStep({ runId, step: name, position: at, status: 'reused', output: completed[name], fence: fence() });
      return completed[name] as T;
    }
    options.onStart?.(name);
    upsertSearchAttributes([{ key: CUSTODY_STAGE, value: name }]);
    await runs.recordStep({ runId, step: name, position: at, status: 'running', fence: fence() });
    try {
      const output = await work();
      await runs.recordStep({ runId, step: name, position: at, status: 'succeeded', output: output as Record<string, unknown>, fence: fence() });
      return output;
    } catch (error) {
      const cancelled = endedByCancel(error);
      await CancellationScope.nonCancellable(() =>
        runs.recordStep({ runId, step: name, position: at, status: cancelled ? 'cancelled' : 'failed', error: options.describe(error), fence: fence() }),
      );
      throw error;
    }
  };
}
