import { patched } from '@temporalio/workflow';

/** Each change to how a run behaves once started, by the patch id that guards it for runs started before it. */
export type Change =
  | 'verify-gate-actors'
  | 'local-projection-writes'
  | 'projection-fence'
  | 'batched-projection-writes'
  | 'record-gate-escalation'
  | 'stored-run-purpose'
  | 'privacy-budget-draw'
  | 'training-task-queue'
  | 'evaluation-heartbeat'
  | 'cancel-outranks-failure'
  /** The workflow is the one writer of its run's record: a resumed execution records that it runs at once, and a stored spec that no longer validates ends the run failed. */
  | 'workflow-records-run'
  /**
   * A run's current step is in its local activities' summaries and the UI's current details, not a search attribute
   * upserted at every step; its status attribute is upserted only when it changes.
   */
  | 'steps-in-summaries';

/**
 * Patch ids that each stand for a set of changes, newest last. A run started since one records only that marker
 * (and its one search-attribute upsert) instead of one per change. To add a change: guard it with its own id in
 * `Change`, then add a generation covering every change so far, so new runs again record one marker.
 */
/** The changes of the first generation; each later one covers these and the changes since. */
const FIRST_GENERATION: readonly Change[] = [
  'verify-gate-actors',
  'local-projection-writes',
  'projection-fence',
  'batched-projection-writes',
  'record-gate-escalation',
  'stored-run-purpose',
  'privacy-budget-draw',
  'training-task-queue',
  'evaluation-heartbeat',
  'cancel-outranks-failure',
];

const GENERATIONS: readonly { id: string; covers: readonly Change[] }[] = [
  { id: 'pipeline-generation-1', covers: FIRST_GENERATION },
  { id: 'pipeline-generation-2', covers: [...FIRST_GENERATION, 'workflow-records-run'] },
  { id: 'pipeline-generation-3', covers: [...FIRST_GENERATION, 'workflow-records-run', 'steps-in-summaries'] },
];

/**
 * Which changes a run has. A run's generation is read once, at its start; a change it does not cover is asked of
 * its own patch, where the run always asked it, so histories recorded before a generation replay as they ran.
 */
export class Changes {
  private constructor(private readonly covered: ReadonlySet<Change>) {}

  /** Call once, first thing in the run. */
  static ofThisRun(): Changes {
    for (const generation of [...GENERATIONS].reverse()) {
      if (patched(generation.id)) return new Changes(new Set(generation.covers));
    }
    return new Changes(new Set());
  }

  /** Every change, asking no patch: for workflows that are not runs and replay no recorded history (the benchmarks'). */
  static all(): Changes {
    return new Changes(new Set(GENERATIONS.at(-1)!.covers));
  }

  has(change: Change): boolean {
    return this.covered.has(change) || patched(change);
  }
}
