import { CancellationScope, isCancellation, proxyActivities, upsertSearchAttributes, type ActivityOptions } from '@temporalio/workflow';
import type { RunsActivities } from '../../activities/runs/runs.activities.js';
import type { StepError } from '../../db/schema/runs.js';
import { CUSTODY_STAGE } from '../search-attributes.js';

/** Short, retried database work: the projection must catch up however long the database is away. */
export const PROJECTION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

export type StepRunner = <T extends object>(name: string, work: () => Promise<T>) => Promise<T>;

/**
 * The step discipline of a run: each step is recorded as running, then as succeeded (with its small
 * output) or failed/cancelled (with its error); on resume, a step that succeeded before is not run
 * again and its recorded output is returned. The stage search attribute follows the current step.
 */
export function createStepRunner(options: {
  runId: string;
  /** Outputs of steps a previous execution completed, by step name. */
  completed: Record<string, Record<string, unknown>>;
  onStart?: (name: string) => void;
  describe: (error: unknown) => StepError;
}): StepRunner {
  const runs = proxyActivities<RunsActivities>(PROJECTION_OPTIONS);
  const { runId, completed } = options;
  let position = 0;
  return async function step<T extends object>(name: string, work: () => Promise<T>): Promise<T> {
    const at = ++position;
    if (completed[name]) {
      await runs.recordStep({ runId, step: name, position: at, status: 'reused', output: completed[name] });
      return completed[name] as T;
    }
    options.onStart?.(name);
    upsertSearchAttributes([{ key: CUSTODY_STAGE, value: name }]);
    await runs.recordStep({ runId, step: name, position: at, status: 'running' });
    try {
      const output = await work();
      await runs.recordStep({ runId, step: name, position: at, status: 'succeeded', output: output as Record<string, unknown> });
      return output;
    } catch (error) {
      const cancelled = isCancellation(error);
      await CancellationScope.nonCancellable(() =>
        runs.recordStep({ runId, step: name, position: at, status: cancelled ? 'cancelled' : 'failed', error: options.describe(error) }),
      );
      throw error;
    }
  };
}
