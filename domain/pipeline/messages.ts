import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GateState } from './gates.js';
import type { RunPurpose } from '../runs.js';
import type { PipelineSpec } from './spec.js';

export type { GateState, GateStatus } from './gates.js';

/** Messages of the `pipeline` workflow: how people and the API talk to a running pipeline. */

/**
 * Completes once this execution of the run is recorded, its row saying it runs: what a submission or a resume
 * waits for (started with it, as one update-with-start), so a read right after it finds the run as it is.
 */
export const recordedUpdate = defineUpdate<void>('recorded');

/** The input of the `pipeline` workflow, however it is started (the API, a retrainer, the Temporal CLI). */
export interface PipelineInput {
  runId: string;
  spec: PipelineSpec;
  submittedBy: string;
  /** Continue a failed or cancelled run: steps that succeeded before are reused, not run again. */
  resume?: boolean;
  /** `reproduce` retrains from the same inputs without the trial cache and stops after training. */
  purpose?: RunPurpose;
  /** The run this one came from (reproduce, retrain). */
  parentRunId?: string;
  /** What started the run (manual, retrain); `runOrigin` gives the defaults. Whether it is a reproduction is its purpose's to say. */
  trigger?: string;
  /** The drift report whose findings started this retraining, if one did. */
  driftReportId?: string;
}

/** Every run's workflow id: `pipeline-<name>-<runId>`, whoever starts it. */
export const pipelineWorkflowId = (pipelineName: string, runId: string): string => `pipeline-${pipelineName}-${runId}`;

/** A decision on the open gate as the workflow receives it in its `approve` and `reject` signals (what a GraphQL caller sends is `GateDecisionInput`). */
export interface GateDecisionMessage {
  /** Who decides: a person's id or e-mail. Required. */
  actor: string;
  comment?: string;
  /** The gate to decide; optional while only one gate is open. */
  gate?: string;
}

/** The `decide` update's argument: a decision message that says which decision it is. */
export interface DecideMessage extends GateDecisionMessage {
  decision: 'approve' | 'reject';
}

export interface PipelineProgress {
  status: string;
  currentStep: string | null;
  trialsDone: number;
  trialsTotal: number;
  gates: GateState[];
}

/**
 * Approve the open gate. Works from the Temporal CLI too:
 * `temporal workflow signal --workflow-id pipeline-<name>-<runId> --name approve --input '{"actor":"ana@example.com"}'`
 */
export const approveSignal = defineSignal<[GateDecisionMessage]>('approve');
/** Reject the open gate; one rejection closes it. */
export const rejectSignal = defineSignal<[GateDecisionMessage]>('reject');
/** Approve or reject with an immediate answer: the validator refuses a decision that cannot count. */
export const decideUpdate = defineUpdate<GateState, [DecideMessage]>('decide');
export const gatesQuery = defineQuery<GateState[]>('gates');
export const progressQuery = defineQuery<PipelineProgress>('progress');
