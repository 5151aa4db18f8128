import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { trainingTaskQueue } from '../../domain/task-queues.js';
import { PROJECT_ROOT } from '../../paths.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { testConfig, uniqueTaskQueue } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { s3Env } from '../support/s3.js';
import { killGroup, startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { freePort } from '../../scripts/lib.mjs';

/**
 * Worker pools on two processes that share no disk (artifacts on S3): one serves orchestration only,
 * the other training only. A governed run completes, and its history shows every trial ran on the
 * training queue, started by the training process, and everything else by the orchestration process.
 */
describe.skipIf(!inject('postgresAdminUrl'))('an orchestration-only and a training-only worker process', () => {
  let database: TestDatabase;
  let client: Client;
  let api: TestApi;
  let orchestration: WorkerProcess;
  let training: WorkerProcess;
  const taskQueue = uniqueTaskQueue('pools');

  let metricsAddress: string;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const { env: s3 } = s3Env();
    metricsAddress = `127.0.0.1:${(await freePort()) as number}`;
    otlp = await startOtlpReceiver();
    const env = (pool: string) => ({
      // Both export their spans over OTLP/HTTP to the receiver, as to an operator's collector.
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      ...(pool === 'orchestration' ? { TEMPORAL_METRICS_ADDRESS: metricsAddress } : {}),
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      DATABASE_URL: database.url!,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKER_TASK_QUEUES: pool,
      CUSTODY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), `custody-${pool}-`)),
      CUSTODY_IMPORT_DIR: PROJECT_ROOT,
      ...s3,
    });
    [orchestration, training] = await Promise.all([startWorkerProcess(env('orchestration')), startWorkerProcess(env('training'))]);
    const config = testConfig({ ...s3, CUSTODY_IMPORT_DIR: PROJECT_ROOT, TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_METRICS_ADDRESS: metricsAddress });
    client = new Client({ connection: await Connection.connect({ address: config.temporal.address }) });
    api = await startTestApi({ config, database, temporal: client });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await otlp?.close();
    for (const child of [orchestration, training]) if (child) killGroup(child, 'SIGTERM');
    await client?.connection.close();
    await database?.close();
  });

  it('runs every trial on the training process and the rest on the orchestration process', { timeout: 180_000 }, async () => {
    const health = await api.data<{ health: { temporal: { pools: { pool: string; taskQueue: string; pollers: number }[] } } }>('{ health { temporal { pools { pool taskQueue pollers } } } }');
    expect(health.health.temporal.pools).toEqual([
      { pool: 'orchestration', taskQueue, pollers: expect.any(Number) },
      { pool: 'training', taskQueue: trainingTaskQueue(taskQueue), pollers: expect.any(Number) },
    ]);
    for (const pool of health.health.temporal.pools) expect(pool.pollers).toBeGreaterThan(0);

    const spec = exampleSpec('iris') as PipelineSpecInput;
    spec.name = 'pools';
    spec.model = 'pools';
    const { submitPipeline } = await api.data<{ submitPipeline: { id: string; workflowId: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id workflowId } }', { input: { spec } });
    const status = async () => (await api.data<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id: submitPipeline.id })).pipelineRun.status;
    await eventually(status, (s) => s === 'awaiting_approval', 120_000);
    await api.data('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id: submitPipeline.id }, 'approver@example.com');
    expect(await eventually(status, (s) => !['running', 'awaiting_approval'].includes(s), 120_000)).toBe('succeeded');

    const history = await client.workflow.getHandle(submitPipeline.workflowId).fetchHistory();
    const scheduled = new Map<string, { type: string; queue: string }>();
    const startedBy = new Map<string, string>();
    for (const event of history.events ?? []) {
      const a = event.activityTaskScheduledEventAttributes;
      if (a) scheduled.set(String(event.eventId), { type: a.activityType!.name!, queue: a.taskQueue!.name! });
      const s = event.activityTaskStartedEventAttributes;
      if (s) startedBy.set(String(s.scheduledEventId), s.identity!);
    }
    const trials = [...scheduled].filter(([, a]) => a.type === 'trainCandidate');
    const others = [...scheduled].filter(([, a]) => a.type !== 'trainCandidate');
    expect(trials.length).toBeGreaterThan(1);
    expect(others.length).toBeGreaterThan(3);
    for (const [id, trial] of trials) {
      expect(trial.queue).toBe(trainingTaskQueue(taskQueue));
      expect(startedBy.get(id)).toMatch(new RegExp(`^${training.pid}@`));
    }
    for (const [id, activity] of others) {
      expect(activity.queue, activity.type).toBe(taskQueue);
      expect(startedBy.get(id), activity.type).toMatch(new RegExp(`^${orchestration.pid}@`));
    }

    // Both write JSON lines, and an activity's lines carry the run, its workflow and the activity.
    for (const [worker, isTrial] of [[orchestration, false], [training, true]] as const) {
      const lines = worker.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((line) => typeof line.time === 'string' && typeof line.level === 'string' && typeof line.message === 'string')).toBe(true);
      const ofRun = lines.filter((line) => line.custodyRunId === submitPipeline.id && (line.activityType === 'trainCandidate') === isTrial);
      expect(ofRun.length, isTrial ? 'trial lines' : 'orchestration lines').toBeGreaterThan(0);
      expect(ofRun[0]).toMatchObject({ workflowId: submitPipeline.workflowId });
      // With tracing on, what an activity logs while it runs carries its trace, and the span it names reached the collector.
      const traced = ofRun.find((line) => typeof line.trace_id === 'string');
      expect(traced?.trace_id, isTrial ? 'a traced trial line' : 'a traced orchestration line').toMatch(/^[0-9a-f]{32}$/);
      await eventually(async () => otlp.spans, (spans) => spans.some((span) => span.spanId === traced!.span_id), 30_000);
      expect(otlp.spans.find((span) => span.spanId === traced!.span_id)).toMatchObject({ traceId: traced!.trace_id, name: isTrial ? 'RunActivity:trainCandidate' : expect.stringMatching(/^RunActivity:/), service: 'custody-worker' });
    }
    // The workflow's spans come from the orchestration worker, in the trials' trace.
    const trialSpan = otlp.spans.find((span) => span.name === 'RunActivity:trainCandidate')!;
    await eventually(async () => otlp.spans, (spans) => spans.some((span) => span.name === 'RunWorkflow:pipeline' && span.traceId === trialSpan.traceId), 30_000);

    // The orchestration worker's own SDK metrics reach /metrics beside Custody's.
    const metrics = await fetch(api.url.replace(/graphql$/, 'metrics'), { headers: { authorization: `Bearer ${api.tokens['viewer@example.com']}` } });
    const families = parsePrometheusTextFormat(await metrics.text()).map((f) => f.name);
    expect(families).toContain('custody_runs');
    expect(families.some((name) => name.startsWith('temporal_'))).toBe(true);
  });
});
