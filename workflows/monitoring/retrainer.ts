import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { MonitoringActivities } from '../../activities/monitoring/monitoring.activities.js';
import { PROJECTION_OPTIONS } from '../pipeline/steps.js';
import { NAME_PATTERN } from '../../domain/pipeline/spec.js';
import type { pipeline, PipelineResult } from '../pipeline/pipeline.js';
import { pipelineStart } from '../../domain/pipeline/start.js';
import { requestRetrainingUpdate, retrainerStateQuery, type RetrainAnswer, type RetrainerInput, type RetrainerState, type RetrainRequest } from '../../domain/monitoring/messages.js';

const monitoring = proxyActivities<MonitoringActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['BadInput', 'DatasetNotFound'] },
});
const alerts = proxyActivities<MonitoringActivities>(PROJECTION_OPTIONS);

/** Answers remembered across continue-as-new, so a repeated request (a retried activity) gets its first answer. */
const REMEMBERED_ANSWERS = 100;
/** Retrainings one execution runs before it continues as new, keeping its history short. */
const RETRAININGS_PER_RUN = 25;

export type { RetrainerInput };

/**
 * The retrainer of one model (workflow id `retrainer-<model>`): long-lived, it takes retraining requests
 * through the `requestRetraining` Update and runs at most one retraining at a time, as a child `pipeline`
 * run through the same validation and approval gates as any other. While one runs, its validator refuses
 * new requests, so a refused request never enters this history. It continues as new when its history
 * grows, and only between retrainings, so the child it waits for is never lost.
 */
export async function retrainer(input: RetrainerInput): Promise<void> {
  const { model } = input;
  if (!NAME_PATTERN.test(model)) throw ApplicationFailure.create({ type: 'BadInput', nonRetryable: true, message: `${model} is not a model name` });
  const answers = new Map<string, RetrainAnswer>(input.answers ?? []);
  const perRun = Math.max(1, input.retrainingsPerRun ?? RETRAININGS_PER_RUN);
  // Set by the update handler; cast so the loop below does not narrow them to their initial null.
  let current = null as RetrainerState['current'];
  let running = null as Promise<PipelineResult> | null;
  let preparing = false;
  let retrainings = 0;

  const remember = (id: string, answer: RetrainAnswer) => {
    answers.set(id, answer);
    while (answers.size > REMEMBERED_ANSWERS) answers.delete(answers.keys().next().value!);
  };

  setHandler(
    requestRetrainingUpdate,
    async (request: RetrainRequest): Promise<RetrainAnswer> => {
      const known = answers.get(request.id);
      if (known) return known;
      preparing = true;
      try {
        const prepared = await monitoring.prepareRetraining({ model });
        if ('skip' in prepared) {
          const answer: RetrainAnswer = { status: 'skipped', reason: prepared.skip };
          remember(request.id, answer);
          return answer;
        }
        const start = pipelineStart(
          { id: uuid4(), spec: prepared.spec, submittedBy: request.requestedBy, purpose: 'release', trigger: 'retrain', parentRunId: prepared.parentRunId, driftReportId: request.driftReportId ?? null },
          { reason: request.reason },
        );
        const [{ runId }, { workflowId }] = [start.args[0], start];
        // A retraining waiting days at its gate outlives anything that happens to this retrainer.
        const child = await startChild<typeof pipeline>('pipeline', { ...start, parentClosePolicy: ParentClosePolicy.ABANDON });
        current = { runId, workflowId, requestId: request.id, kind: request.kind };
        running = child.result();
        const answer: RetrainAnswer = { status: 'started', runId, workflowId, reason: request.reason };
        remember(request.id, answer);
        return answer;
      } finally {
        preparing = false;
      }
    },
    {
      validator: (request: RetrainRequest) => {
        if (!request || typeof request.id !== 'string' || request.id === '') throw new Error('request.id is required');
        if (request.model !== model) throw new Error(`this retrainer is for model ${model}, not ${String(request.model)}`);
        if (answers.has(request.id)) return;
        if (current) throw new Error(`a retraining of ${model} is already in progress: run ${current.runId} (${current.workflowId})`);
        if (preparing) throw new Error(`a retraining of ${model} is being prepared`);
      },
    },
  );
  setHandler(retrainerStateQuery, (): RetrainerState => ({ model, current, retrainings }));

  for (;;) {
    await condition(() => running !== null || (workflowInfo().continueAsNewSuggested && !preparing));
    if (running) {
      const started = current!;
      let outcome: string;
      try {
        const result = await running;
        outcome = result.status === 'succeeded' ? `succeeded: ${model} v${result.modelVersion} is in production` : `ended ${result.status}: ${result.reasons.join('; ')}`;
      } catch (error) {
        outcome = `failed: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`;
      }
      log.info('retraining finished', { model, runId: started.runId, outcome });
      // Free for the next request at once; the alert below need not hold it up.
      running = null;
      current = null;
      retrainings++;
      await alerts.recordAlert({
        key: `${workflowInfo().workflowId}:${started.runId}:finished`,
        model,
        type: 'alert.retraining_finished',
        message: `Retraining of ${model} (run ${started.runId}) ${outcome}`,
        data: { runId: started.runId, workflowId: started.workflowId, kind: started.kind, outcome },
      });
    }
    if ((workflowInfo().continueAsNewSuggested || retrainings >= perRun) && !preparing && !current && !running) {
      await condition(allHandlersFinished);
      // A request accepted while the handlers finished may have started a retraining: then wait for it first.
      if (!current && !running) await continueAsNew<typeof retrainer>({ model, answers: [...answers], retrainingsPerRun: input.retrainingsPerRun });
    }
  }
}
