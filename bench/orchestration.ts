import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { temporalDataConverter } from '../clients/payload-codec.js';
import { PROJECT_ROOT } from '../paths.js';
import { Keyring } from '../storage/encryption/keyring.js';
import { benchActivities } from './activities.js';
import { smallSpec, WORKFLOWS_PATH, type Stack } from './stack.js';
import { ms, stats, type Stats } from './timing.js';

// What Custody's step discipline costs a step, with plain payloads and with encrypted ones.

const STEPS = 20;
const ROUNDS = 5;

export interface StepFigures {
  step: Stats;
  bare: Stats;
}

/** Runs `stepsBench` (N recorded steps) for a fresh run row on `client` and `taskQueue`; returns milliseconds a step. */
async function recordedSteps(stack: Stack, client: Client, taskQueue: string): Promise<number> {
  const runId = randomUUID();
  await stack.repos.runs.create({ id: runId, workflowId: `bench-${runId}`, pipelineName: 'bench', modelName: 'bench', spec: smallSpec('bench'), submittedBy: 'bench', status: 'running' });
  const t = performance.now();
  await client.workflow.execute('stepsBench', { taskQueue, workflowId: `steps-${runId}`, args: [{ runId, steps: STEPS }] });
  return (performance.now() - t) / STEPS;
}

/** N recorded steps against N bare activities, interleaved rounds; round 0 warms up the bundle, the connections and the JIT. */
export async function stepOverhead(stack: Stack): Promise<StepFigures> {
  const stepTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const step = await recordedSteps(stack, stack.client, stack.taskQueue);
    const t = performance.now();
    await stack.client.workflow.execute('bareBench', { taskQueue: stack.taskQueue, workflowId: `bare-${randomUUID()}`, args: [{ steps: STEPS }] });
    if (round === 0) continue;
    stepTimes.push(step);
    bareTimes.push((performance.now() - t) / STEPS);
  }
  return { step: stats(stepTimes), bare: stats(bareTimes) };
}

export function stepsSection({ step, bare }: StepFigures): string {
  return `## Per-step orchestration overhead

The bare-activity rows are the Temporal dev server's own round-trip cost on this machine (about ${Math.round(bare.p50)} ms per activity once warm); Custody's figures are read against them. Most of that is the dev server's pacing, not work: its one history shard reads its queue of tasks to hand out at most 20 times a second (\`history.transferProcessorMaxPollRPS\`), so under steady load each activity and workflow task waits up to 50 ms; alone, after a pause, a bare activity takes about 15 ms. A cluster's many shards each read their own queue.

A workflow of ${STEPS} no-op steps through the pipeline's own step discipline (each step recorded as running and then succeeded in the database), against ${STEPS} bare no-op activities in a minimal workflow. ${ROUNDS} rounds after a warm-up.

| | per step, p50 | per step, p95 |
| --- | --- | --- |
| pipeline step | ${ms(step.p50)} | ${ms(step.p95)} |
| bare activity (baseline) | ${ms(bare.p50)} | ${ms(bare.p95)} |
| **ratio** | **${(step.p50 / bare.p50).toFixed(2)}×** | ${(step.p95 / bare.p95).toFixed(2)}× |

A step's records (running, then succeeded) are local activities: the worker that runs the workflow writes them, with no round trip through the server's task queues. A step's success goes with the next step's start, as one local activity, so a step costs about one activity plus one local activity of two database writes. Goal: at most 1.1×.
`;
}

export interface CodecFigures {
  plain: Stats;
  sealed: Stats;
}

/** Per-step time of `stepsBench` through an encrypting worker and client, against the plain ones, interleaved. */
export async function codecStepCost(stack: Stack): Promise<CodecFigures> {
  const encryption = { keyring: new Keyring([{ id: 'bench', key: randomBytes(32) }], 'bench') };
  const queue = `${stack.taskQueue}-sealed`;
  const activities = { ...createActivities({ database: stack.database, artifacts: stack.config.artifacts, importDir: PROJECT_ROOT }), ...benchActivities };
  const sealedWorker = await Worker.create({ connection: stack.native, taskQueue: queue, workflowsPath: WORKFLOWS_PATH, activities, dataConverter: temporalDataConverter(encryption) });
  const running = sealedWorker.run();
  const sealedClient = new Client({ connection: await Connection.connect({ address: stack.address }), dataConverter: temporalDataConverter(encryption) });
  const plainTimes: number[] = [];
  const sealedTimes: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const plain = await recordedSteps(stack, stack.client, stack.taskQueue);
    const sealed = await recordedSteps(stack, sealedClient, queue);
    if (round === 0) continue;
    plainTimes.push(plain);
    sealedTimes.push(sealed);
  }
  sealedWorker.shutdown();
  await running;
  await sealedClient.connection.close();
  return { plain: stats(plainTimes), sealed: stats(sealedTimes) };
}

export function codecSection({ plain, sealed }: CodecFigures): string {
  return `## Payload encryption

The same ${STEPS} recorded steps on a worker and client that encrypt every payload (AES-256-GCM, \`CUSTODY_ENCRYPTION_KEYS\`), against plain ones; ${ROUNDS} interleaved rounds after a warm-up.

| | per step, p50 | per step, p95 |
| --- | --- | --- |
| encrypted payloads | ${ms(sealed.p50)} | ${ms(sealed.p95)} |
| plain payloads (baseline) | ${ms(plain.p50)} | ${ms(plain.p95)} |
| **ratio** | **${(sealed.p50 / plain.p50).toFixed(2)}×** | ${(sealed.p95 / plain.p95).toFixed(2)}× |
`;
}
