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
  /** The run this one came from (reproduce, retrain), and why it started. */
  parentRunId?: string;
  trigger?: string;
  /** The drift report whose findings started this retraining, if one did. */
  driftReportId?: string;
}

/** Every run's workflow id: `pipeline-<name>-<runId>`, whoever starts it. */
export const pipelineWorkflowId = (pipelineName: string, runId: string): string => `pipeline-${pipelineName}-${runId}`;

export interface GateDecisionInput {
  /** Who decides: a person's id or e-mail. Required. */
  actor: string;
  comment?: string;
  /** The gate to decide; optional while only one gate is open. */
  gate?: string;
}

export interface DecideInput extends GateDecisionInput {
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
export const approveSignal = defineSignal<[GateDecisionInput]>('approve');
/** Reject the open gate; one rejection closes it. */
export const rejectSignal = defineSignal<[GateDecisionInput]>('reject');
/** Approve or reject with an immediate answer: the validator refuses a decision that cannot count. */
export const decideUpdate = defineUpdate<GateState, [DecideInput]>('decide');
export const gatesQuery = defineQuery<GateState[]>('gates');
export const progressQuery = defineQuery<PipelineProgress>('progress');
