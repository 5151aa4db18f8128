import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { CUSTODY_MODEL } from '../domain/search-attributes.js';
import { requestRetrainingUpdate, retrainerWorkflowId, type RetrainAnswer, type RetrainerInput, type RetrainRequest } from '../domain/monitoring/messages.js';

/**
 * Asks a model's retrainer for a retraining, starting the retrainer if it is not running (Update-with-Start,
 * one workflow id per model). The answer says whether a retraining started, and which run, or why not:
 * while one is in progress the retrainer's validator refuses, and that refusal comes back as `skipped`.
 */
export async function requestRetraining(client: Client, taskQueue: string, request: RetrainRequest): Promise<RetrainAnswer> {
  // The workflow by its name and input type (domain/), not its function: activities call this, and the retrainer's code imports activities' types.
  const start = new WithStartWorkflowOperation('retrainer', {
    workflowId: retrainerWorkflowId(request.model),
    taskQueue,
    args: [{ model: request.model } satisfies RetrainerInput],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: CUSTODY_MODEL, value: request.model }],
    staticSummary: `retrainer of ${request.model}: one retraining at a time`,
  });
  try {
    // The request id is the update id: a retried request joins the update already in flight.
    return await client.workflow.executeUpdateWithStart(requestRetrainingUpdate, { args: [request], updateId: request.id, startWorkflowOperation: start });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return { status: 'skipped', reason: rootMessage(error) };
    throw error;
  }
}

/** The innermost cause's message: the validator's refusal, or what made the preparation fail. */
function rootMessage(error: Error): string {
  let cause: unknown = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
