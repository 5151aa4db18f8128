import type { Client } from '@temporalio/client';
import { scoringWorkflowId, type ScoringInput } from '../domain/scoring.js';
import type { batchScore } from '../workflows/scoring/batch-score.js';
import { startRecorded, type RecordedStart } from './pipelines.js';

/**
 * Starts a scoring job's `batchScore` workflow with its `recorded` update and waits up to `waitMs` for the job's
 * record: a read right after finds the job. Its summary in the Temporal UI names the model and the dataset.
 */
export async function startRecordedScoring(client: Client, taskQueue: string, input: ScoringInput & { jobId: string }, waitMs: number): Promise<RecordedStart> {
  const { request } = input;
  const version = request.version ? ` version ${request.version}` : ' (production)';
  const dataset = `${request.dataset}@${request.datasetVersion ?? 'latest'}`;
  return await startRecorded<typeof batchScore>(client, 'batchScore', {
    workflowId: scoringWorkflowId(input.jobId),
    taskQueue,
    args: [input],
    staticSummary: `score ${dataset} with ${request.model}${version}`,
    memo: { jobId: input.jobId, model: request.model, requestedBy: input.requestedBy },
  }, { waitMs });
}
