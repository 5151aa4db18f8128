import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { publishEvent } from '../../clients/events.js';
import { requestRetraining } from '../../clients/retraining.js';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { DriftReportRow } from '../../db/schema/index.js';
import type { Caller } from '../access/principal.js';
import { decodeCursor, pageOf, pageSize } from '../common/pagination.js';
import { temporalUiLink } from '../common/temporal-ui.js';
import { auditRequest } from '../common/audit.js';
import { isUuid, modelNameField } from '../common/validate.js';
import { CONFIG, REPOSITORIES, TEMPORAL_CLIENT } from '../core/tokens.js';
import type { DriftReportInput, DriftReportsInput, RetrainModelInput } from './dto/monitoring.input.js';
import type { DriftReport, DriftReportConnection, RetrainingAnswer } from './models/drift-report.model.js';
import { MonitoringError } from './monitoring.error.js';

const MAX_REASON = 1000;

/** Drift reports, and retraining asked for by a person. */
@Injectable()
export class MonitoringService {
  private readonly logger = new Logger('Monitoring');

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  toModel(row: DriftReportRow, model: string): DriftReport {
    return {
      ...row,
      model,
      workflowId: row.key,
      temporalUiUrl: temporalUiLink(this.config.temporal, 'workflows', row.key),
    };
  }

  async reports(input: DriftReportsInput): Promise<DriftReportConnection> {
    const model = modelNameField(input.model);
    const first = pageSize(input.first);
    const rows = await this.repos.monitoring.reportsOfModel(model, first + 1, input.after ? decodeCursor(input.after) : undefined);
    return pageOf(rows, first, (row) => this.toModel(row, model));
  }

  async report(input: DriftReportInput): Promise<DriftReport> {
    if (!isUuid(input.id)) throw MonitoringError.invalid('input.id', 'must be a UUID');
    const [row] = await this.repos.monitoring.reportsByIds([input.id]);
    if (!row) throw new MonitoringError('REPORT_NOT_FOUND', `No drift report has id ${input.id}`);
    const [model] = await this.repos.registry.findModelsByIds([row.modelId]);
    return this.toModel(row, model!.name);
  }

  /**
   * Asks the model's retrainer for a retraining now, as `caller` (who then cannot approve its gates). The
   * answer says which run started, or why none did; either way an alert records it.
   */
  async retrain(input: RetrainModelInput, caller: Caller): Promise<RetrainingAnswer> {
    const model = modelNameField(input.model);
    if (input.reason !== undefined && input.reason !== null && input.reason.length > MAX_REASON) throw MonitoringError.invalid('input.reason', `must be at most ${MAX_REASON} characters`);
    if (!(await this.repos.registry.findModel(model))) throw new MonitoringError('MODEL_NOT_FOUND', `Model ${model} is not registered`);
    const id = `api-retrain-${randomUUID()}`;
    const reason = `requested by ${caller.name}${input.reason ? `: ${input.reason}` : ''}`;
    const starter = { client: this.temporal, taskQueue: this.config.temporal.taskQueue };
    let answer;
    try {
      answer = await requestRetraining(starter.client, starter.taskQueue, { id, model, kind: 'manual', reason, requestedBy: caller.name });
    } catch (error) {
      throw new MonitoringError('TEMPORAL_UNAVAILABLE', `The retraining could not be requested: ${(error as Error).message}`);
    }
    const run = answer.status === 'started' ? { runId: answer.runId, workflowId: answer.workflowId } : null;
    // The retrainer has answered (and may have started a run): the answer goes back even if recording it fails.
    try {
      await publishEvent(this.repos, starter, {
        key: `${id}:alert`,
        type: run ? 'alert.retraining_started' : 'alert.retraining_skipped',
        modelName: model,
        message: run ? `Retraining of ${model} started (run ${run.runId}): ${reason}` : `Retraining of ${model} skipped: ${answer.reason}`,
        data: { kind: 'manual', requestedBy: caller.name, ...run },
      });
      await auditRequest(this.repos, caller, {
        action: 'model.retrain_requested',
        subjectType: 'model',
        subjectId: model,
        payload: { answer: answer.status, reason: answer.reason, ...run },
        key: `api:model.retrain_requested:${id}`,
      });
    } catch (error) {
      this.logger.error(`the answer to retraining request ${id} (${answer.status}) could not be recorded: ${(error as Error).message}`);
    }
    return { status: answer.status, reason: answer.reason, ...run };
  }

}
