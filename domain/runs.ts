/** The words a run is described in, shared by every layer: its status, its steps', its purpose and trigger, a failure. */

export const RUN_STATUSES = ['running', 'awaiting_approval', 'succeeded', 'failed', 'rejected', 'rolled_back', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = ['running', 'succeeded', 'failed', 'skipped', 'cancelled', 'reused'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * What a run is for: a release may deploy; a reproduction retrains from the same inputs and never deploys.
 * "Is this a reproduction?" is asked of the purpose, never of the trigger.
 */
export const RUN_PURPOSES = ['release', 'reproduce'] as const;
export type RunPurpose = (typeof RUN_PURPOSES)[number];

/** What went wrong with a run or one of its steps, as recorded: a classified type, a message, and details such as a validation report. */
export interface FailureDetail {
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
  error?: FailureDetail;
  fence?: ProjectionFence;
}

/** A change to the run's own row as its workflow records it. */
export interface RunWrite {
  runId: string;
  status: RunStatus;
  currentStep?: string | null;
  error?: FailureDetail | null;
  datasetVersionId?: string;
  finished?: boolean;
  fence?: ProjectionFence;
}

/** One write of a run's projection: a step's state or the run's row. */
export type ProjectionWrite = { step: StepWrite } | { run: RunWrite };

/**
 * What a run's origin says when its starter leaves it out: the one place its purpose and trigger get defaults.
 * The trigger says what started the run: `manual` (a person, through the API or the Temporal CLI, a reproduction
 * asked for included) or `retrain` (a retrainer). Runs started before the purpose existed said `reproduce` in
 * their trigger alone (migration 0012 gave their rows the purpose too): such a start is still a reproduction.
 */
export function runOrigin(input: { purpose?: RunPurpose; trigger?: string }): { purpose: RunPurpose; trigger: string } {
  return { purpose: input.purpose ?? (input.trigger === 'reproduce' ? 'reproduce' : 'release'), trigger: input.trigger ?? 'manual' };
}

const SUMMARY_SEPARATOR = ' · ';
/**
 * Longer summaries are cut. The server refuses a summary whose payload is over 400 bytes (`limit.userMetadataSummarySize`),
 * which counts the encoding and, with payload encryption, the seal; no batch of named writes comes near this (three
 * writes of the longest step names take about 190 characters).
 */
const SUMMARY_MAX = 240;

/**
 * What a batch of projection writes says in the run's history and the Temporal UI (its local activity's summary):
 * `evaluate succeeded · register-model running`. Steps a resumed run reuses are counted, not named
 * (`6 reused · deploy:staging running`): they are the result of its `loadCompletedSteps`, and naming them all could
 * make a summary longer than the server takes. `readProjectionSummary` reads it back.
 */
export function projectionSummary(writes: readonly ProjectionWrite[]): string {
  const reused = writes.filter((w) => 'step' in w && w.step.status === 'reused').length;
  const named = writes.filter((w) => !('step' in w && w.step.status === 'reused')).map((w) => ('step' in w ? `${w.step.step} ${w.step.status}` : `run ${w.run.status}`));
  return [...(reused > 0 ? [`${reused} reused`] : []), ...named].join(SUMMARY_SEPARATOR).slice(0, SUMMARY_MAX);
}

/** The writes a `projectionSummary` names, in order (`run` for the run's own), and how many reused steps it counts; null when it is not one. */
export function readProjectionSummary(summary: string): { writes: { name: string; status: string }[]; reused: number } | null {
  const items = summary.split(SUMMARY_SEPARATOR);
  const count = /^(\d+) reused$/.exec(items[0] ?? '');
  const writes = items.slice(count ? 1 : 0).map((item) => {
    const at = item.lastIndexOf(' ');
    return { name: item.slice(0, at), status: item.slice(at + 1) };
  });
  const known = (w: { name: string; status: string }) =>
    w.name === 'run' ? (RUN_STATUSES as readonly string[]).includes(w.status) : w.name.length > 0 && w.status !== 'reused' && (STEP_STATUSES as readonly string[]).includes(w.status);
  return writes.every(known) ? { writes, reused: count ? Number(count[1]) : 0 } : null;
}
