import type { SearchAttributePair } from '@temporalio/common';
import { pipelineSearchAttributes } from '../search-attributes.js';
import { pipelineWorkflowId, type PipelineInput } from './messages.js';
import type { RunPurpose } from '../runs.js';
import { modelNameOf, type PipelineSpec } from './spec.js';

/** What a run is, as it is stored: everything a start of its workflow is derived from. */
export interface RunToStart {
  id: string;
  spec: PipelineSpec;
  submittedBy: string;
  purpose: RunPurpose;
  trigger: string;
  parentRunId: string | null;
  driftReportId: string | null;
}

/** The options of a `pipeline` workflow start, for the client (`workflow.start`) and for a parent (`startChild`). */
export interface PipelineStart {
  workflowId: string;
  args: [PipelineInput];
  memo: Record<string, string>;
  typedSearchAttributes: SearchAttributePair[];
  staticSummary: string;
}

/**
 * The one way to start a run's workflow: submit, resume, reproduce and the retrainer all build their
 * start here from the stored run, so its purpose (a reproduction never deploys) and its provenance
 * travel with every execution of it.
 */
export function pipelineStart(run: RunToStart, how: { resume?: boolean; reason?: string } = {}): PipelineStart {
  const { spec } = run;
  const model = modelNameOf(spec);
  // What the run is for, then what started it: a reproduction reproduces, whoever started it.
  const verb = run.purpose === 'reproduce' ? 'reproduce' : run.trigger === 'retrain' ? 'retrain' : 'train';
  return {
    workflowId: pipelineWorkflowId(spec.name, run.id),
    args: [
      {
        runId: run.id,
        spec,
        submittedBy: run.submittedBy,
        purpose: run.purpose,
        trigger: run.trigger,
        ...(run.parentRunId ? { parentRunId: run.parentRunId } : {}),
        ...(run.driftReportId ? { driftReportId: run.driftReportId } : {}),
        ...(how.resume ? { resume: true } : {}),
      },
    ],
    memo: {
      spec: spec.name,
      submittedBy: run.submittedBy,
      purpose: run.purpose,
      trigger: run.trigger,
      ...(how.resume ? { resumed: 'true' } : {}),
      ...(how.reason ? { reason: how.reason } : {}),
    },
    typedSearchAttributes: pipelineSearchAttributes({ pipeline: spec.name, model }),
    staticSummary: `${spec.name}: ${verb} ${model} on ${spec.dataset.name}${typeof spec.dataset.version === 'number' ? ` v${spec.dataset.version}` : ''}${how.resume ? ' (resumed)' : ''}`,
  };
}
