import { ApplicationFailure, CancellationScope, condition, isCancellation, proxyActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { ScoringActivities } from '../../activities/scoring/scoring.activities.js';
import { recordedUpdate } from '../../domain/pipeline/messages.js';
import { rejectedTooMany, type ChunkResult, type ResolvedScoringJob, type ScoringInput, type ScoringPlan, type ScoringReport } from '../../domain/scoring.js';
import { trainingTaskQueue } from '../../domain/task-queues.js';
import { describe } from '../pipeline/failures.js';

const PERMANENT = ['BadInput', 'ModelNotFound', 'DatasetNotFound', 'DataFormat', 'TooManyRejected'];

/** Short writes of the job's record, on the orchestration pool. */
const records = proxyActivities<ScoringActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes: PERMANENT },
});

/** Whole-file work on the training pool: it heartbeats, so a worker that dies is noticed within the job's heartbeat timeout. */
const fileWork = (job: ResolvedScoringJob) =>
  ({
    taskQueue: trainingTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: job.heartbeatTimeout,
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 6, nonRetryableErrorTypes: PERMANENT },
  }) as const;

/**
 * Scores a dataset version with a model version, into a new dataset version. The job is recorded first (its
 * starter waits for that, through the `recorded` update); the input is split into chunks of whole rows, scored on
 * the training pool `parallelism` at a time, and joined in input order. Rows the model cannot take go to a rejects
 * file; more than `maxRejectedFraction` of them fails the job, with the file named in its report.
 */
export async function batchScore(input: ScoringInput): Promise<ScoringReport> {
  let resolution: 'pending' | 'recorded' | 'refused' = 'pending';
  setHandler(recordedUpdate, async () => {
    await condition(() => resolution !== 'pending');
    if (resolution === 'refused') throw ApplicationFailure.create({ type: 'BadInput', message: 'the scoring job was refused: see its workflow’s failure' });
  });
  const jobId = input?.jobId ?? uuid4();
  let job: ResolvedScoringJob;
  try {
    job = await records.resolveScoringJob({ jobId, workflowId: workflowInfo().workflowId, request: input?.request, requestedBy: input?.requestedBy ?? 'system', ...(input?.scheduleId ? { scheduleId: input.scheduleId } : {}) });
    resolution = 'recorded';
  } catch (error) {
    resolution = 'refused';
    throw error;
  }
  let report: ScoringReport | undefined;
  try {
    report = await score(job);
    await records.finishScoringJob({ jobId, status: 'succeeded', report });
    return report;
  } catch (error) {
    const failure = describe(error);
    const partial = (failure.details as { report?: ScoringReport } | undefined)?.report;
    const status = isCancellation(error) ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(() => records.finishScoringJob({ jobId, status, error: failure, ...(partial ? { report: partial } : {}) }));
    throw error;
  }
}

async function score(job: ResolvedScoringJob): Promise<ScoringReport> {
  const work = proxyActivities<ScoringActivities>(fileWork(job));
  const plan = await work.planScoring({ job });
  await records.recordScoringProgress({ jobId: job.jobId, total: plan.chunks.length, done: [] });
  const results = await scoreChunks(job, plan);
  const sum = (of: (r: ChunkResult) => number) => results.reduce((total, r) => total + of(r), 0);
  const report: ScoringReport = { rows: sum((r) => r.rows), scored: sum((r) => r.scored), rejected: sum((r) => r.rejected), chunks: results.length, rejectsSha256: null, outputDatasetVersionId: null, scoreMs: Math.round(sum((r) => r.scoreMs)) };
  if (report.rows !== job.rowCount) {
    throw ApplicationFailure.create({ type: 'DataFormat', nonRetryable: true, message: `the chunks read ${report.rows} rows where the dataset version has ${job.rowCount}` });
  }
  const rejects = results.flatMap((r) => (r.rejectsSha256 ? [r.rejectsSha256] : []));
  if (rejects.length > 0) report.rejectsSha256 = await work.assembleRejects({ parts: rejects });
  if (rejectedTooMany(report, job.maxRejectedFraction)) {
    const share = `${((report.rejected / report.rows) * 100).toPrecision(3)}%`;
    throw ApplicationFailure.create({
      type: 'TooManyRejected',
      nonRetryable: true,
      message: `${report.rejected} of ${report.rows} rows (${share}) were rejected, more than maxRejectedFraction ${job.maxRejectedFraction}; the rejects file ${report.rejectsSha256} names each row and why`,
      details: [{ report }],
    });
  }
  const output = await work.assembleScores({ job, parts: results.map((r) => r.partSha256) });
  const scored = { ...report, outputDatasetVersionId: output.datasetVersionId };
  // Only jobs that ask for it (a field no job before it could set) judge drift: histories without it replay as they ran.
  return job.monitoring ? { ...scored, driftReportId: await judgeDrift(work, job, scored) } : scored;
}

/** The drift report of the scored rows; if it cannot be made, the job fails with its scores named in the report. */
async function judgeDrift(work: ReturnType<typeof proxyActivities<ScoringActivities>>, job: ResolvedScoringJob, report: ScoringReport): Promise<string> {
  try {
    return (await work.reportScoredDrift({ job, outputDatasetVersionId: report.outputDatasetVersionId! })).driftReportId;
  } catch (error) {
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.create({
      type: 'DriftReportFailed',
      nonRetryable: true,
      message: `the scores are registered (dataset version ${report.outputDatasetVersionId}), but their drift report could not be made: ${describe(error).message}`,
      details: [{ report }],
    });
  }
}

/** Scores every chunk, `parallelism` at a time, recording each as it finishes; results in input order. */
async function scoreChunks(job: ResolvedScoringJob, plan: ScoringPlan): Promise<ChunkResult[]> {
  const options = fileWork(job);
  const { scoreChunk } = proxyActivities<ScoringActivities>(options);
  const results: ChunkResult[] = new Array(plan.chunks.length);
  const done: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < plan.chunks.length) {
      const chunk = plan.chunks[next++]!;
      const summary = `chunk ${chunk.index + 1} of ${plan.chunks.length}: rows ${chunk.firstRow}–${chunk.firstRow + chunk.rows - 1}`;
      results[chunk.index] = await scoreChunk.executeWithOptions({ ...options, summary }, [{ job, columns: plan.columns, chunk }]);
      done.push(chunk.index);
      await records.recordScoringProgress({ jobId: job.jobId, total: plan.chunks.length, done: [...done] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.parallelism, plan.chunks.length) }, lane));
  return results;
}
