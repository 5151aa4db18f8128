import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { trainingTaskQueue } from '../../domain/task-queues.js';
import { CUSTODY_VERSION } from '../../paths.js';
import { CONFIG, DATABASE, TEMPORAL_CLIENT } from '../core/tokens.js';
import { databaseHealth } from './database-health.js';
import { SystemError } from './system.error.js';
import type { Health, SelfCheck, TemporalHealth } from './models/health.model.js';

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
    const [temporalHealth, database] = await Promise.all([this.temporalHealth(), databaseHealth(this.database)]);
    return {
      status: temporalHealth.reachable && database.reachable ? 'ok' : 'degraded',
      version: CUSTODY_VERSION,
      temporal: temporalHealth,
      database,
    };
  }

  private async temporalHealth(): Promise<TemporalHealth> {
    const { address, namespace, taskQueue, uiUrl } = this.config.temporal;
    const base = { address, namespace, taskQueue, uiUrl };
    try {
      const { TASK_QUEUE_TYPE_WORKFLOW: WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY: ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
      const training = trainingTaskQueue(taskQueue);
      const [orchestration, trainers] = await Promise.all([this.pollers(taskQueue, WORKFLOW), this.pollers(training, ACTIVITY)]);
      const pools = [
        { pool: 'orchestration', taskQueue, pollers: orchestration },
        { pool: 'training', taskQueue: training, pollers: trainers },
      ];
      return { ...base, reachable: true, workerPollers: orchestration, pools, error: null };
    } catch (error) {
      return { ...base, reachable: false, workerPollers: null, pools: null, error: (error as Error).message };
    }
  }

  /** How many workers polled `name` for `type` tasks recently. */
  private async pollers(name: string, type: proto.temporal.api.enums.v1.TaskQueueType): Promise<number> {
    const connection = this.temporal.connection;
    const response = await connection.withDeadline(Date.now() + 3000, () =>
      connection.workflowService.describeTaskQueue({
        namespace: this.config.temporal.namespace,
        taskQueue: { name, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: type,
      }),
    );
    return response.pollers?.length ?? 0;
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
