import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import { migrationState, type Database } from '../../db/client.js';
import { CUSTODY_VERSION } from '../../paths.js';
import { CONFIG, DATABASE, TEMPORAL_CLIENT } from '../core/tokens.js';
import { SystemError } from './system.error.js';
import type { DatabaseHealth, Health, SelfCheck, TemporalHealth } from './models/health.model.js';

const { temporal } = proto;


/** Answers `health` and `runSelfCheck`. Never throws for an unreachable dependency: it reports it. */
@Injectable()
export class HealthService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  async health(): Promise<Health> {
    const [temporalHealth, databaseHealth] = await Promise.all([this.temporalHealth(), this.databaseHealth()]);
    return {
      status: temporalHealth.reachable && databaseHealth.reachable ? 'ok' : 'degraded',
      version: CUSTODY_VERSION,
      temporal: temporalHealth,
      database: databaseHealth,
    };
  }

  private async temporalHealth(): Promise<TemporalHealth> {
    const { address, namespace, taskQueue, uiUrl } = this.config.temporal;
    const base = { address, namespace, taskQueue, uiUrl };
    try {
      const connection = this.temporal.connection;
      const response = await connection.withDeadline(Date.now() + 3000, () =>
        connection.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      return { ...base, reachable: true, workerPollers: response.pollers?.length ?? 0, error: null };
    } catch (error) {
      return { ...base, reachable: false, workerPollers: null, error: (error as Error).message };
    }
  }

  private async databaseHealth(): Promise<DatabaseHealth> {
    try {
      const state = await migrationState(this.database.db);
      return { reachable: true, driver: this.database.driver, migration: state.latest, pendingMigrations: state.pending, error: null };
    } catch (error) {
      return { reachable: false, driver: this.database.driver, migration: null, pendingMigrations: 0, error: (error as Error).message };
    }
  }

  async selfCheck(): Promise<SelfCheck> {
    const workflowId = `self-check-${randomUUID()}`;
    const started = Date.now();
    try {
      const report = await this.temporal.workflow.execute('selfCheck', {
        workflowId,
        taskQueue: this.config.temporal.taskQueue,
        workflowExecutionTimeout: '30 seconds',
        args: [],
      });
      return { workflowId, ...(report as Omit<SelfCheck, 'workflowId' | 'durationMs'>), durationMs: Date.now() - started };
    } catch (error) {
      const reason = error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : (error as Error).message;
      throw new SystemError('SELF_CHECK_FAILED', `The self-check workflow ${workflowId} did not complete: ${reason}`);
    }
  }
}
