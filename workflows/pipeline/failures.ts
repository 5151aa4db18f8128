import { ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import type { FailureDetail } from '../../domain/runs.js';
import type { Changes } from './changes.js';
import { RolledBack } from './rollout.js';

/** The run ends as `rejected`: a check, a gate or a threshold said no. Not a failure of the system. */
export class Rejected extends Error {
  constructor(
    readonly reasons: string[],
    readonly type: string,
  ) {
    super(reasons.join('; '));
  }
}

/** A failure as the run's projection stores it: type, message and details, with the root cause's words. */
export function describe(error: unknown): FailureDetail {
  if (error instanceof Rejected) return { type: error.type, message: error.message, details: { reasons: error.reasons } };
  if (error instanceof RolledBack) return { type: 'DeploymentCheckFailed', message: error.message, details: { reasons: error.reasons } };
  let cause: unknown = error;
  while (cause && typeof cause === 'object' && 'cause' in cause && (cause as { cause?: unknown }).cause) cause = (cause as { cause: unknown }).cause;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message, details: cause.details?.[0] };
  if (isCancellation(error)) return { type: 'Cancelled', message: 'the step was cancelled' };
  return { type: (cause as Error)?.name ?? 'Error', message: (cause as Error)?.message ?? String(cause) };
}

/**
 * Whether the run's cancellation ended this step or run: a cancellation itself or, in runs since the patch, any
 * failure once the run was asked to cancel. An activity whose worker died cannot hear a cancel; it ends by its
 * heartbeat timeout instead, and that timeout is the cancel's doing, not a fault of the run.
 */
export function endedByCancel(error: unknown, changes: Changes): boolean {
  if (isCancellation(error)) return true;
  return CancellationScope.current().consideredCancelled && changes.has('cancel-outranks-failure');
}
