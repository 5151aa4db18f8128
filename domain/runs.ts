/** The words a run is described in, shared by every layer: its status, its steps', its purpose, a failure. */

export const RUN_STATUSES = ['running', 'awaiting_approval', 'succeeded', 'failed', 'rejected', 'rolled_back', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = ['running', 'succeeded', 'failed', 'skipped', 'cancelled', 'reused'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Why a run exists: a release may deploy; a reproduction retrains from the same inputs and never deploys. */
export const RUN_PURPOSES = ['release', 'reproduce'] as const;
export type RunPurpose = (typeof RUN_PURPOSES)[number];

export interface StepError {
  type: string;
  message: string;
  details?: unknown;
}

/**
 * Where a projection write stands in its run's history: the start of the workflow execution that made it
 * (a resumed run's is later) and its number within that execution. The projection applies a write only if
 * nothing later was applied, so an attempt abandoned by its worker and delivered late changes nothing.
 */
export interface ProjectionFence {
  epoch: number;
  seq: number;
}

/** A step's state as its run's workflow records it. */
export interface StepWrite {
  runId: string;
  step: string;
  position: number;
  status: StepStatus;
  attempt?: number;
  output?: Record<string, unknown>;
  error?: StepError;
  fence?: ProjectionFence;
}

/** A change to the run's own row as its workflow records it. */
export interface RunWrite {
  runId: string;
  status: RunStatus;
  currentStep?: string | null;
  error?: StepError | null;
  datasetVersionId?: string;
  finished?: boolean;
  fence?: ProjectionFence;
}

/** One write of a run's projection: a step's state or the run's row. */
export type ProjectionWrite = { step: StepWrite } | { run: RunWrite };

/** What a run's origin says when its starter leaves it out: the one place its purpose and trigger get defaults. */
export function runOrigin(input: { purpose?: RunPurpose; trigger?: string }): { purpose: RunPurpose; trigger: string } {
  return { purpose: input.purpose ?? (input.trigger === 'reproduce' ? 'reproduce' : 'release'), trigger: input.trigger ?? 'manual' };
}
