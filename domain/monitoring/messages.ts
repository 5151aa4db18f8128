import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** Messages and names of the monitoring workflows: the scheduled check and the per-model retrainer. */

export type MonitorAction = 'monitor' | 'retrain';

/** What a schedule's tick runs: a drift check of the model, or a retraining whatever the drift. */
export interface MonitorInput {
  model: string;
  action?: MonitorAction;
  /** The schedule whose tick this is, for the report and the alerts. */
  scheduleId?: string;
}

/** Why a retraining is asked for: drift found by a check, a schedule, or a person through the API. */
export type RetrainKind = 'drift' | 'schedule' | 'manual';

export interface RetrainRequest {
  /** Unique per request (the check's workflow id, say): a repeated request gets the first answer. */
  id: string;
  model: string;
  kind: RetrainKind;
  /** One sentence: what was found, or who asked. */
  reason: string;
  driftReportId?: string;
  /** Who the retraining run is submitted as; people who submit a run cannot approve its gates. */
  requestedBy: string;
}

export type RetrainAnswer =
  | { status: 'started'; runId: string; workflowId: string; reason: string }
  | { status: 'skipped'; reason: string };

export interface RetrainerState {
  model: string;
  /** The retraining in progress, if any. */
  current: { runId: string; workflowId: string; requestId: string; kind: RetrainKind } | null;
  retrainings: number;
}

/**
 * Ask for a retraining. The validator refuses while one is in progress (the refusal never enters the
 * history); an accepted request answers `started` with the run, or `skipped` with the reason.
 */
export const requestRetrainingUpdate = defineUpdate<RetrainAnswer, [RetrainRequest]>('requestRetraining');
export const retrainerStateQuery = defineQuery<RetrainerState>('state');

/** One retrainer per model: the workflow id is what makes "at most one retraining at a time" hold. */
export const retrainerWorkflowId = (model: string): string => `retrainer-${model}`;

/** What a model's schedule does each tick: check drift, retrain, or score a dataset (`batchScore`). */
export type ScheduleKind = MonitorAction | 'score';

/** Schedule ids: one schedule of each kind per model at most. */
export const scheduleIdOf = (action: ScheduleKind, model: string): string => `${action}-${model}`;

/** The input of a model's `retrainer` workflow. */
export interface RetrainerInput {
  model: string;
  /** Answers carried over from the previous execution. */
  answers?: [string, RetrainAnswer][];
  /** Retrainings before continuing as new (25 when omitted); Temporal may suggest it sooner. */
  retrainingsPerRun?: number;
}
