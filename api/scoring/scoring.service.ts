import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { startRecordedScoring } from '../../clients/scoring.js';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { ScoringJobRow } from '../../db/schema/index.js';
import { scoringRequestErrors, scoringRequestOf, scoringWorkflowId, type ResolvedScoringJob, type ScoringRequest } from '../../domain/scoring.js';
import { resolveScoring, ScoringRefused } from '../../ml/scoring/resolve.js';
import type { Caller } from '../access/principal.js';
import { decodeCursor, pageOf, pageSize } from '../common/pagination.js';
import { temporalUiLink } from '../common/temporal-ui.js';
import { isUuid } from '../common/validate.js';
import { CONFIG, REPOSITORIES, TEMPORAL_CLIENT } from '../core/tokens.js';
import type { CancelScoringJobInput, ScoreDatasetInput, ScoringJobsInput } from './dto/scoring.input.js';
import { auditRequest } from '../common/audit.js';
import type { Download } from '../http/send-stored.js';
import { ScoringJobStatus, type ScoringJob, type ScoringJobConnection } from './models/scoring-job.model.js';
import { ScoringError } from './scoring.error.js';

const RECORD_WAIT_MS = 10_000;

/** Batch scoring jobs: checks a request, starts its workflow (the job's one writer) and reads the jobs. */
@Injectable()
export class ScoringService {
  private readonly logger = new Logger('ScoringService');

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  /**
   * Checks the request as the job will (the versions it names, the columns it needs), so a mistake is a field
   * error now rather than a failed job later; then starts the job and answers once it is recorded.
   */
  async score(input: ScoreDatasetInput, caller: Caller): Promise<ScoringJob> {
    const request = scoringRequestOf(input);
    const [issue] = scoringRequestErrors(request);
    if (issue) throw ScoringError.field('INVALID_INPUT', `input.${issue.field}`, issue.message);
    const jobId = randomUUID();
    const resolved = await this.resolve(jobId, request);
    let started;
    try {
      started = await startRecordedScoring(this.temporal, this.config.temporal.taskQueue, { jobId, request, requestedBy: caller.name }, RECORD_WAIT_MS);
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw error;
      throw new ScoringError('TEMPORAL_UNAVAILABLE', `The scoring job could not be started because Temporal did not accept it: ${(error as Error).message}`);
    }
    if (started.outcome === 'ended') throw new ScoringError('JOB_NOT_STARTED', `The scoring job ended before it could be recorded: ${started.why}`);
    if (started.outcome === 'unrecorded') this.logger.warn(`scoring job ${jobId} started, but no worker recorded it within ${RECORD_WAIT_MS} ms: ${started.why}`);
    const row = await this.repos.scoring.get(jobId);
    return row ? this.toModel(row) : this.notYetRecorded(resolved, request, caller);
  }

  async job(id: string): Promise<ScoringJob> {
    if (!isUuid(id)) throw ScoringError.field('INVALID_INPUT', 'input.id', 'must be a UUID');
    const row = await this.repos.scoring.get(id);
    if (!row) throw new ScoringError('JOB_NOT_FOUND', `No scoring job has id ${id}`);
    return this.toModel(row);
  }

  /** A job's rejects file as a download, audited; a job that rejected nothing (or has not finished scoring) has none. */
  async rejects(id: string, caller: Caller): Promise<Download> {
    if (!isUuid(id)) throw ScoringError.field('INVALID_INPUT', 'id', 'must be a UUID');
    const job = await this.repos.scoring.get(id);
    if (!job) throw new ScoringError('JOB_NOT_FOUND', `No scoring job has id ${id}`);
    const sha256 = job.report?.rejectsSha256;
    if (!sha256) throw new ScoringError('NOT_FOUND', `Scoring job ${id} has no rejects file: ${job.report ? 'it rejected no rows' : 'it has not finished scoring'}`);
    const audit = () => auditRequest(this.repos, caller, { action: 'scoring.rejects_downloaded', subjectType: 'scoring_job', subjectId: id, payload: { sha256 } });
    return { sha256, contentType: 'text/csv; charset=utf-8', filename: `rejects-${id}.csv`, audit };
  }

  /**
   * Asks a running job's workflow to cancel: chunks being scored see it on their next heartbeat, and the job ends
   * `cancelled`, with no output registered. The job's record changes when its workflow ends, not here.
   */
  async cancel(input: CancelScoringJobInput, caller: Caller): Promise<ScoringJob> {
    const job = await this.job(input.id);
    if (input.reason && input.reason.length > 500) throw ScoringError.field('INVALID_INPUT', 'input.reason', 'must be at most 500 characters');
    if (job.status !== ScoringJobStatus.running) throw new ScoringError('JOB_NOT_RUNNING', `Scoring job ${job.id} is ${job.status}; only a running job can be cancelled`);
    try {
      await this.temporal.workflow.getHandle(job.workflowId).cancel();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ScoringError('JOB_NOT_RUNNING', `Scoring job ${job.id} is no longer running`);
      throw new ScoringError('TEMPORAL_UNAVAILABLE', `The cancellation could not be delivered: ${(error as Error).message}`);
    }
    await auditRequest(this.repos, caller, { action: 'scoring.cancel_requested', subjectType: 'scoring_job', subjectId: job.id, payload: { reason: input.reason ?? null } });
    return job;
  }

  async jobs(input: ScoringJobsInput): Promise<ScoringJobConnection> {
    const size = pageSize(input.first);
    const rows = await this.repos.scoring.list({ modelName: input.model }, size + 1, input.after ? decodeCursor(input.after) : undefined);
    return pageOf(rows, size, (row) => this.toModel(row));
  }

  toModel(row: ScoringJobRow): ScoringJob {
    return {
      id: row.id,
      workflowId: row.workflowId,
      temporalUiUrl: temporalUiLink(this.config.temporal, 'workflows', row.workflowId),
      status: row.status as ScoringJobStatus,
      model: row.modelName,
      modelVersionId: row.modelVersionId,
      inputDatasetVersionId: row.inputDatasetVersionId,
      outputDatasetVersionId: row.outputDatasetVersionId,
      outputDataset: row.outputDataset,
      request: row.request,
      requestedBy: row.requestedBy,
      scheduleId: row.scheduleId,
      chunksTotal: row.chunks?.total ?? null,
      chunksDone: row.chunks?.done.length ?? 0,
      rows: row.report?.rows ?? null,
      scored: row.report?.scored ?? null,
      rejected: row.report?.rejected ?? null,
      rejectsSha256: row.report?.rejectsSha256 ?? null,
      scoreMs: row.report?.scoreMs ?? null,
      driftReportId: row.report?.driftReportId ?? null,
      error: row.error ?? null,
      createdAt: row.createdAt,
      finishedAt: row.finishedAt,
    };
  }

  private async resolve(jobId: string, request: ScoringRequest): Promise<ResolvedScoringJob> {
    try {
      return await resolveScoring(this.repos, jobId, request);
    } catch (error) {
      if (!(error instanceof ScoringRefused)) throw error;
      throw ScoringError.field(error.kind === 'BadInput' ? 'INVALID_INPUT' : 'NOT_FOUND', `input.${error.field}`, error.reason);
    }
  }

  /** A job that started, but that no worker has recorded yet: as the API resolved it. */
  private notYetRecorded(job: ResolvedScoringJob, request: ScoringRequest, caller: Caller): ScoringJob {
    const workflowId = scoringWorkflowId(job.jobId);
    return this.toModel({
      id: job.jobId, workflowId, modelName: job.model, modelVersionId: job.modelVersionId, inputDatasetVersionId: job.inputDatasetVersionId, outputDataset: job.output,
      outputDatasetVersionId: null, request, requestedBy: caller.name, scheduleId: null, status: 'running', chunks: null, report: null, error: null, finishedAt: null, createdAt: new Date(), updatedAt: new Date(),
    });
  }
}
