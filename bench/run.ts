// `npm run bench`: orchestration overhead and pipeline throughput, each against a baseline measured in
// the same run, written to BENCHMARKS.md. scripts/bench.mjs starts the Temporal dev server first.
import { randomBytes, randomUUID } from 'node:crypto';
import { temporalDataConverter } from '../clients/payload-codec.js';
import { Keyring } from '../storage/encryption/keyring.js';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import postgres from 'postgres';
import { createActivities } from '../activities/index.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { createRepositories } from '../db/repositories/index.js';
import { PROJECT_ROOT } from '../paths.js';
import { parsePipelineSpec, type PipelineSpec } from '../domain/pipeline/spec.js';
import { installRuntime } from '../worker/runtime.js';
import { trainingTaskQueue } from '../domain/task-queues.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { benchActivities } from './activities.js';
import { driftBench, driftSection, rewriteDriftSection } from './drift.js';
import { lineageBench } from './lineage.js';
import { servingBench } from './serving.js';
import { commandServingBench, type CommandServingFigures } from './command-serving.js';
import { consoleBench, type ConsoleFigures } from './console.js';
import { searchBench } from './search.js';
import { securityBench, type SecurityFigures } from './security.js';
import { trainingBench, type TrainingFigure } from './training.js';

const STEPS = 20;
const ROUNDS = 5;
const PIPELINES = 16;
/** Rounds of each kind in the throughput part, taken in turn, so a drift of the machine falls on every kind alike. */
const ROUNDS_THROUGHPUT = 3;
/** The activities a small pipeline scheduled when the throughput goal was set, its projection writes among them. */
const ACTIVITIES_WHEN_GOAL_SET = 23;

const address = process.env.TEMPORAL_ADDRESS!;
/** The bench's workflows: compiled (npm run bench builds first, for NestJS's decorator metadata) or from source. */
const WORKFLOWS_PATH = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './workflows.ts' : './workflows.js', import.meta.url));
const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), mean: values.reduce((a, b) => a + b, 0) / values.length };
};
type Throughput = ReturnType<typeof stats> & { perMinute: number };
const ms = (n: number) => (n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(1)} ms`);

async function openBenchDatabase(): Promise<{ database: Database; kind: string; drop: () => Promise<void> }> {
  const admin = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const sql = postgres(admin, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const name = `custody_bench_${randomBytes(4).toString('hex')}`;
    await sql.unsafe(`create database ${name}`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    const database = await openDatabase({ kind: 'postgres', url: url.toString() });
    await database.migrate();
    return {
      database,
      kind: 'PostgreSQL',
      drop: async () => {
        await database.close();
        await sql.unsafe(`drop database ${name} with (force)`);
        await sql.end();
      },
    };
  } catch {
    await sql.end({ timeout: 1 });
    const database = await openDatabase({ kind: 'pglite' });
    await database.migrate();
    return { database, kind: 'PGlite (no PostgreSQL reachable)', drop: () => database.close() };
  }
}

function smallSpec(name: string): PipelineSpec {
  const parsed = parsePipelineSpec({
    name,
    dataset: { name: 'iris', file: 'examples/iris/iris.csv' },
    task: 'classification',
    target: 'species',
    training: { trainer: 'logistic-regression', params: { numSteps: 200 } },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    deployment: { production: {} },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec;
}

async function main() {
  installRuntime({ logLevel: 'warn' });
  const { database, kind, drop } = await openBenchDatabase();
  const config = loadConfig({ TEMPORAL_ADDRESS: address, CUSTODY_DATA_DIR: path.join(os.tmpdir(), `custody-bench-${taskQueue}`), LOG_LEVEL: 'warn' });
  const native = await NativeConnection.connect({ address });
  await ensureSearchAttributes(native, 'default');
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: { ...createActivities({ database, artifacts: config.artifacts, importDir: PROJECT_ROOT }), ...benchActivities },
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
  });
  // Trials run on the training pool's queue, as in production.
  const trainingWorker = await Worker.create({
    connection: native,
    taskQueue: trainingTaskQueue(taskQueue),
    activities: createActivities({ database, artifacts: config.artifacts, importDir: PROJECT_ROOT }),
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
  });
  const running = Promise.all([worker.run(), trainingWorker.run()]);
  const client = new Client({ connection: await Connection.connect({ address }) });
  const repos = createRepositories(database.db);

  // 1. Per-step overhead: N recorded steps against N bare activities, interleaved rounds.
  const stepTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const runId = randomUUID();
    await repos.runs.create({ id: runId, workflowId: `bench-${runId}`, pipelineName: 'bench', modelName: 'bench', spec: smallSpec('bench'), submittedBy: 'bench', status: 'running' });
    let t = performance.now();
    await client.workflow.execute('stepsBench', { taskQueue, workflowId: `steps-${runId}`, args: [{ runId, steps: STEPS }] });
    const steps = performance.now() - t;
    t = performance.now();
    await client.workflow.execute('bareBench', { taskQueue, workflowId: `bare-${runId}`, args: [{ steps: STEPS }] });
    const bare = performance.now() - t;
    if (round > 0) {
      // Round 0 warms up the bundle, the connections and the JIT.
      stepTimes.push(steps / STEPS);
      bareTimes.push(bare / STEPS);
    }
  }
  const step = stats(stepTimes);
  const bare = stats(bareTimes);

  // 1b. The payload codec's cost per step: the same recorded steps on a worker and client that encrypt every
  //     payload (AES-256-GCM), against the plain worker above, interleaved rounds.
  const sealed = await codecStepCost({ native, address, database, config, repos });

  // 2. Throughput: small real pipelines (one trial, no gate) at once on one worker, against as many
  //    minimal workflows running the same number of no-op activities as one pipeline schedules.
  const probe = randomUUID();
  await client.workflow.execute('pipeline', { taskQueue, workflowId: `pipeline-probe-${probe}`, args: [{ runId: probe, spec: smallSpec('probe'), submittedBy: 'bench' }] });
  const history = await client.workflow.getHandle(`pipeline-probe-${probe}`).fetchHistory();
  const activitiesPerPipeline = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).length;

  /** `ROUNDS_THROUGHPUT` rounds of PIPELINES workflows at once, one round of each kind in turn: completions a minute over all rounds. */
  const kinds: Record<'pipelines' | 'floor' | 'work' | 'floorAtGoal', (i: number) => Promise<unknown>> = {
    pipelines: (i) => {
      const runId = randomUUID();
      return client.workflow.execute('pipeline', { taskQueue, workflowId: `pipeline-bench-${i}-${runId}`, args: [{ runId, spec: smallSpec(`bench-${i}`), submittedBy: 'bench' }] });
    },
    floor: (i) => client.workflow.execute('bareBench', { taskQueue, workflowId: `floor-${i}-${randomUUID()}`, args: [{ steps: activitiesPerPipeline }] }),
    // The pipeline's activities with the same inputs in a minimal workflow; its run row is made first, as the pipeline's is.
    work: async (i) => {
      const runId = randomUUID();
      const spec = smallSpec(`work-${i}`);
      await repos.runs.create({ id: runId, workflowId: `work-${runId}`, pipelineName: spec.name, modelName: spec.name, spec, submittedBy: 'bench', status: 'running' });
      return client.workflow.execute('workBench', { taskQueue, workflowId: `work-${i}-${runId}`, args: [{ runId, spec }] });
    },
    // The baseline as it stood when the goal was set: as many no-op activities as a pipeline scheduled before its
    // projection writes became local activities (three a step).
    floorAtGoal: (i) => client.workflow.execute('bareBench', { taskQueue, workflowId: `floor-goal-${i}-${randomUUID()}`, args: [{ steps: ACTIVITIES_WHEN_GOAL_SET }] }),
  };
  const samples = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, { latencies: [] as number[], wall: 0 }]));
  for (let round = 0; round < ROUNDS_THROUGHPUT; round++) {
    for (const [kind, start] of Object.entries(kinds)) {
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: PIPELINES }, async (_, i) => {
          const t = performance.now();
          await start(i);
          samples[kind]!.latencies.push(performance.now() - t);
        }),
      );
      samples[kind]!.wall += performance.now() - t0;
    }
  }
  const throughputOf = (kind: keyof typeof kinds) => ({ perMinute: ((PIPELINES * ROUNDS_THROUGHPUT) / samples[kind]!.wall) * 60_000, ...stats(samples[kind]!.latencies) });
  const [pipelines, floor, work, floorAtGoal] = (['pipelines', 'floor', 'work', 'floorAtGoal'] as const).map(throughputOf) as [Throughput, Throughput, Throughput, Throughput];
  const floorProbe = `floor-probe-${probe}`;
  await client.workflow.execute('bareBench', { taskQueue, workflowId: floorProbe, args: [{ steps: activitiesPerPipeline }] });
  const events = { pipeline: history.events!.length, floor: (await client.workflow.getHandle(floorProbe).fetchHistory()).events!.length };

  // 3. Serving the probe's model (in production now), with the prediction log on, against its bare predict.
  const serving = await servingBench({ config, database, temporal: client, model: 'probe' });

  worker.shutdown();
  trainingWorker.shutdown();
  await running;

  // 4. Refusals and large bodies: a flood of bogus tokens, and oversized unauthenticated bodies (the worker is
  //    stopped, so the submissions made meanwhile are only accepted, not run).
  const security = await securityBench({ config, database, temporal: client, spec: smallSpec });

  // 4b. The console's runs page in Chromium over 10,000 runs, against the same page over a few dozen.
  const consolePage = await consoleBench({ config, database, temporal: client });
  await client.connection.close();
  await native.close();

  // 5. Lineage at depth 5 over 100k runs, against a primary-key lookup of a run in the same database.
  const lineage = await lineageBench(database.db);
  await drop();

  // 6. Drift statistics over 1M rows × 20 features.
  const drift = await driftBench();

  // 7. Training: random forest and gradient boosting against scikit-learn on the same rows.
  const training = await trainingBench();

  // 8. Search: 50 configurations fitted in full against successive halving.
  const search = searchBench();

  // 9. A command model (the scikit-learn example) served per call against its warm serve mode.
  const commandServing = await commandServingBench();

  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}; database: ${kind}; Temporal dev server (in memory) on the same machine`;
  const report = `# Benchmarks

Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Every figure is measured against its baseline in the same run, on the same machine; compare ratios across machines, not milliseconds.

Machine: ${machine}.

The bare-activity rows are the Temporal dev server's own round-trip cost on this machine (about ${Math.round(bare.p50)} ms per activity once warm); Custody's figures are read against them. Most of that is the dev server's pacing, not work: its one history shard reads its queue of tasks to hand out at most 20 times a second (\`history.transferProcessorMaxPollRPS\`), so under steady load each activity and workflow task waits up to 50 ms; alone, after a pause, a bare activity takes about 15 ms. A cluster's many shards each read their own queue.

## Per-step orchestration overhead

A workflow of ${STEPS} no-op steps through the pipeline's own step discipline (each step recorded as running and then succeeded in the database), against ${STEPS} bare no-op activities in a minimal workflow. ${ROUNDS} rounds after a warm-up.

| | per step, p50 | per step, p95 |
| --- | --- | --- |
| pipeline step | ${ms(step.p50)} | ${ms(step.p95)} |
| bare activity (baseline) | ${ms(bare.p50)} | ${ms(bare.p95)} |
| **ratio** | **${(step.p50 / bare.p50).toFixed(2)}×** | ${(step.p95 / bare.p95).toFixed(2)}× |

A step's records (running, then succeeded) are local activities: the worker that runs the workflow writes them, with no round trip through the server's task queues. A step's success goes with the next step's start, as one local activity, so a step costs about one activity plus one local activity of two database writes. Goal: at most 1.2×.

## Payload encryption

The same ${STEPS} recorded steps on a worker and client that encrypt every payload (AES-256-GCM, \`CUSTODY_ENCRYPTION_KEYS\`), against plain ones; ${ROUNDS} interleaved rounds after a warm-up.

| | per step, p50 | per step, p95 |
| --- | --- | --- |
| encrypted payloads | ${ms(sealed.sealed.p50)} | ${ms(sealed.sealed.p95)} |
| plain payloads (baseline) | ${ms(sealed.plain.p50)} | ${ms(sealed.plain.p95)} |
| **ratio** | **${(sealed.sealed.p50 / sealed.plain.p50).toFixed(2)}×** | ${(sealed.sealed.p95 / sealed.plain.p95).toFixed(2)}× |

## Throughput

${PIPELINES} small pipelines started at once on one worker, ${ROUNDS_THROUGHPUT} rounds: the iris data (registered once, then resolved by hash), validation, one logistic-regression trial, evaluation, registry, production deployment with its check; no gate. Baseline: as many minimal workflows at once, each running the same number of no-op activities as one pipeline schedules (${activitiesPerPipeline}; its projection writes are local activities and are not counted). Each round runs every kind in turn. Goal: at least 0.9.

| | completed per minute | run latency p50 | run latency p95 | history events a run |
| --- | --- | --- | --- | --- |
| small pipelines | ${pipelines.perMinute.toFixed(0)} | ${ms(pipelines.p50)} | ${ms(pipelines.p95)} | ${events.pipeline} |
| no-op workflows of equal length (baseline) | ${floor.perMinute.toFixed(0)} | ${ms(floor.p50)} | ${ms(floor.p95)} | ${events.floor} |
| **ratio (pipelines / baseline)** | **${(pipelines.perMinute / floor.perMinute).toFixed(2)}** | ${(pipelines.p50 / floor.p50).toFixed(2)}× | ${(pipelines.p95 / floor.p95).toFixed(2)}× | |

Goal ${pipelines.perMinute / floor.perMinute >= 0.9 ? 'met' : '**not met**'} here. The no-op activities do none of the pipeline's work (reading and profiling the data, training, permutation importance, registering, deploying and checking), so that ratio is the whole cost of a small pipeline against bare orchestration. Two more baselines, measured in the same rounds, separate the two:

| baseline | completed per minute | run latency p50 | ratio (pipelines / this baseline) |
| --- | --- | --- | --- |
| the pipeline's own activities, same inputs, in a minimal workflow (its work without Custody's orchestration: no projection writes, audit of steps, gates, search attributes or patch markers) | ${work.perMinute.toFixed(0)} | ${ms(work.p50)} | ${(pipelines.perMinute / work.perMinute).toFixed(2)} |
| no-op workflows of ${ACTIVITIES_WHEN_GOAL_SET} activities: the baseline when the goal was set, when a pipeline scheduled ${ACTIVITIES_WHEN_GOAL_SET} activities (then 0.52) | ${floorAtGoal.perMinute.toFixed(0)} | ${ms(floorAtGoal.p50)} | ${(pipelines.perMinute / floorAtGoal.perMinute).toFixed(2)} |

## Lineage

${lineage.runs.toLocaleString('en')} runs over 100 dataset versions, each with a trial and a model version, one in five deployed, one in ten retrained from the run before; \`lineage\` computed in ${kind} with a recursive CTE, at depth 5. Baseline: fetching one run by primary key.

| query | p50 | p99 | nodes returned (mean) |
| --- | --- | --- | --- |
| a run, BOTH directions | ${ms(lineage.runBoth.p50)} | **${ms(lineage.runBoth.p99)}** | ${lineage.runBoth.nodes} |
| a dataset version, DOWNSTREAM | ${ms(lineage.datasetDown.p50)} | ${ms(lineage.datasetDown.p99)} | ${lineage.datasetDown.nodes} |
| run by primary key (baseline) | ${ms(lineage.lookup.p50)} | ${ms(lineage.lookup.p99)} | 1 |
| **ratio (run lineage / lookup)** | ${(lineage.runBoth.p50 / lineage.lookup.p50).toFixed(1)}× | ${(lineage.runBoth.p99 / lineage.lookup.p99).toFixed(1)}× | |

Target: p99 under 50 ms for a run's lineage at depth 5 over 100k runs — ${lineage.runBoth.p99 < 50 ? 'met' : '**not met**'} here.

## Serving

The model in production after the throughput run (logistic regression on iris) answers batches of 1 and 100 identical flowers, one call at a time. Custody's path routes by the deployment state, checks every input against the training schema, predicts, and logs every prediction (batched writes to ${kind}); REST adds the HTTP request, token check and JSON. Baseline: the bare model's predict on the same rows, in a loop, in the same process.

${servingTable(serving.figures)}

Under load: ${serving.load.connections} concurrent connections for ${serving.load.seconds} s each (autocannon, in the same process), batch 1, a viewer's token, the prediction log on. Baseline: a bare \`node:http\` endpoint in the same process that reads the JSON body and answers JSON. Goal: at least 0.5× the bare endpoint's requests per second over REST.

| endpoint | requests/s | p50 | p99 | errors | ratio to bare |
| --- | --- | --- | --- | --- | --- |
| REST \`POST /v1/models/{name}/predict\` | ${serving.load.rest.requestsPerSecond.toFixed(0)} | ${serving.load.rest.p50} ms | ${serving.load.rest.p99} ms | ${serving.load.rest.errors} | **${(serving.load.rest.requestsPerSecond / serving.load.bare.requestsPerSecond).toFixed(3)}** |
| GraphQL \`predict\` | ${serving.load.graphql.requestsPerSecond.toFixed(0)} | ${serving.load.graphql.p50} ms | ${serving.load.graphql.p99} ms | ${serving.load.graphql.errors} | ${(serving.load.graphql.requestsPerSecond / serving.load.bare.requestsPerSecond).toFixed(3)} |
| bare \`node:http\` JSON (baseline) | ${serving.load.bare.requestsPerSecond.toFixed(0)} | ${serving.load.bare.p50} ms | ${serving.load.bare.p99} ms | ${serving.load.bare.errors} | 1 |

The same two loads from a load generator in a process of its own (autocannon's command line). The server's event loop then has its thread to itself, but the machine has two cores: the generator takes one, and the server shares the other with PostgreSQL writing the prediction log, which the bare endpoint does not write:

| endpoint | requests/s | p50 | p99 | errors | ratio to bare |
| --- | --- | --- | --- | --- | --- |
| REST \`POST /v1/models/{name}/predict\` | ${serving.load.apart.rest.requestsPerSecond.toFixed(0)} | ${serving.load.apart.rest.p50} ms | ${serving.load.apart.rest.p99} ms | ${serving.load.apart.rest.errors} | **${(serving.load.apart.rest.requestsPerSecond / serving.load.apart.bare.requestsPerSecond).toFixed(3)}** |
| bare \`node:http\` JSON (baseline) | ${serving.load.apart.bare.requestsPerSecond.toFixed(0)} | ${serving.load.apart.bare.p50} ms | ${serving.load.apart.bare.p99} ms | ${serving.load.apart.bare.errors} | 1 |

Prediction log during the run: ${serving.logged.toLocaleString('en')} predictions logged, ${serving.lost} lost.

${driftSection(drift)}
## Training

Random forest (100 fully grown trees, √features per split) and gradient-boosted trees (100 rounds, 31 leaves, learning rate 0.1, no early stopping) on a binary task with a non-linear signal in five of the columns, fitted by Custody's own learners and by scikit-learn (\`RandomForestClassifier\`, \`HistGradientBoostingClassifier\`) on the same rows, each on one core (a Custody trial is one worker thread; scikit-learn with \`n_jobs=1\` and one OpenMP thread). ROC AUC on the same 20,000 held-out rows shows the speed is not bought with accuracy.

${trainingTable(training)}

Goal: at most 3× scikit-learn's time.

## Search: successive halving

${search.configurations} gradient-boosting configurations drawn at random (learning rate, leaves, leaf size, L2, rounds) on the claims set (${search.trainRows.toLocaleString('en')} training rows), searched with the workflow's own plan. Baseline: every configuration fitted on all training rows. Halving trains them on ${search.halving.rungs} of the rows, keeping the best third after each rung. Training time is summed over the fits, as the trials' compute; AUC is of the chosen configuration, refitted on all training rows, on the validation and the test split.

| | fits | rows trained, in full fits | seconds | validation AUC | test AUC |
| --- | --- | --- | --- | --- | --- |
| every configuration in full (baseline) | ${search.full.fits} | ${search.full.fits} | ${search.full.seconds.toFixed(1)} | ${search.full.validationAuc.toFixed(4)} | ${search.full.testAuc.toFixed(4)} |
| successive halving | ${search.halving.fits} | ${search.halving.rowShare.toFixed(1)} | ${search.halving.seconds.toFixed(1)} | ${search.halving.validationAuc.toFixed(4)} | ${search.halving.testAuc.toFixed(4)} |
| **ratio (halving / baseline)** | | ${(search.halving.rowShare / search.full.fits).toFixed(2)} | **${(search.halving.seconds / search.full.seconds).toFixed(2)}×** | | |

## Serving a command model

${commandServingSection(commandServing)}

## Refused requests and large bodies

${securitySection(security)}

## The console's runs page

${consoleSection(consolePage)}
`;
  writeFileSync(path.join(PROJECT_ROOT, 'BENCHMARKS.md'), report);
  process.stdout.write(`${report}\ncustody: wrote BENCHMARKS.md\n`);
}

function securitySection({ flood, submission, memory }: SecurityFigures): string {
  return [
    `${flood.requests.toLocaleString('en')} GraphQL requests with a bogus token or none, 50 at a time from another process on the same address, against an API with the default limits: 60 refused authentications a minute per client, then 429, each held a second (a tarpit), so the flood paces itself at 50 requests a second. All through it, a submitter on the same address submits a pipeline every quarter second (${submission.flooded.count} submissions); baseline: ${submission.quiet.count} submissions at the same pace with no flood, just before.`,
    '',
    '| | figure |',
    '| --- | --- |',
    `| flood answered in | ${flood.seconds.toFixed(1)} s (${(flood.requests / flood.seconds).toFixed(0)} requests/s) |`,
    `| answered 401 (refused and counted) / 429 (rate-limited, nothing read) | ${flood.unauthenticated} / ${flood.limited} |`,
    `| audit chain length before / after the flood | ${flood.auditBefore} / ${flood.auditAfter} |`,
    '',
    '| submission | p50 | p99 |',
    '| --- | --- | --- |',
    `| during the flood | ${ms(submission.flooded.p50)} | ${ms(submission.flooded.p99)} |`,
    `| quiet (baseline) | ${ms(submission.quiet.p50)} | ${ms(submission.quiet.p99)} |`,
    `| **ratio** | **${(submission.flooded.p50 / submission.quiet.p50).toFixed(2)}×** | ${(submission.flooded.p99 / submission.quiet.p99).toFixed(2)}× |`,
    '',
    `Memory: ${memory.requests} concurrent ${(memory.bytesSent / memory.requests / 2 ** 20).toFixed(0)} MB bodies with a bogus token, half to GraphQL (refused from their Content-Length at the 1 MB body limit), half to \`POST /v1/datasets/{name}\` (refused before reading, by the token check): ${(memory.bytesSent / 2 ** 20).toFixed(0)} MB sent, and the server's resident memory grew by at most **${memory.rssPeakGrowthMb.toFixed(0)} MB** from ${memory.rssBeforeMb.toFixed(0)} MB. Before these limits, twelve 25 MB bodies grew it by about 630 MB.`,
  ].join('\n');
}

/** Per-step time of `stepsBench` through an encrypting worker and client, against the plain ones, interleaved. */
async function codecStepCost(deps: { native: NativeConnection; address: string; database: Database; config: ReturnType<typeof loadConfig>; repos: ReturnType<typeof createRepositories> }) {
  const encryption = { keyring: new Keyring([{ id: 'bench', key: randomBytes(32) }], 'bench') };
  const queue = `${taskQueue}-sealed`;
  const sealedWorker = await Worker.create({
    connection: deps.native,
    taskQueue: queue,
    workflowsPath: WORKFLOWS_PATH,
    activities: { ...createActivities({ database: deps.database, artifacts: deps.config.artifacts, importDir: PROJECT_ROOT }), ...benchActivities },
    dataConverter: temporalDataConverter(encryption),
  });
  const running = sealedWorker.run();
  const sealedClient = new Client({ connection: await Connection.connect({ address: deps.address }), dataConverter: temporalDataConverter(encryption) });
  const plainClient = new Client({ connection: await Connection.connect({ address: deps.address }) });
  const plainTimes: number[] = [];
  const sealedTimes: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [client, queueName, times] of [[plainClient, taskQueue, plainTimes], [sealedClient, queue, sealedTimes]] as const) {
      const runId = randomUUID();
      await deps.repos.runs.create({ id: runId, workflowId: `codec-${runId}`, pipelineName: 'bench', modelName: 'bench', spec: smallSpec('bench'), submittedBy: 'bench', status: 'running' });
      const t = performance.now();
      await client.workflow.execute('stepsBench', { taskQueue: queueName, workflowId: `codec-steps-${runId}`, args: [{ runId, steps: STEPS }] });
      if (round > 0) times.push((performance.now() - t) / STEPS);
    }
  }
  sealedWorker.shutdown();
  await running;
  await sealedClient.connection.close();
  await plainClient.connection.close();
  return { plain: stats(plainTimes), sealed: stats(sealedTimes) };
}

function consoleSection(figures: ConsoleFigures | { skipped: string }): string {
  if ('skipped' in figures) return `Not run: ${figures.skipped}.`;
  const { small, large, query, morePages } = figures;
  return [
    `The runs page (\`/runs\`, 50 runs a page with each run's model version and metrics) in headless Chromium, a fresh page load per sample (assets cached, as on a second visit), seven samples after a warm-up. Baseline: the same page over the runs the database held before 10,000 were added (those of the benchmarks above). Time runs from navigation to the first rendered row; heap is the page's JavaScript heap after a collection.`,
    '',
    '| runs in the database | first rendered page, p50 | p95 | page heap | the page\'s GraphQL query alone, p50 |',
    '| --- | --- | --- | --- | --- |',
    `| ${small.runs.toLocaleString('en')} (baseline) | ${ms(small.firstPageMs.p50)} | ${ms(small.firstPageMs.p95)} | ${small.heapMb.toFixed(1)} MB | ${ms(query.small)} |`,
    `| ${large.runs.toLocaleString('en')} | ${ms(large.firstPageMs.p50)} | ${ms(large.firstPageMs.p95)} | ${large.heapMb.toFixed(1)} MB | ${ms(query.large)} |`,
    `| **ratio** | **${(large.firstPageMs.p50 / small.firstPageMs.p50).toFixed(2)}×** | ${(large.firstPageMs.p95 / small.firstPageMs.p95).toFixed(2)}× | ${(large.heapMb / small.heapMb).toFixed(2)}× | ${(query.large / query.small).toFixed(2)}× |`,
    '',
    `Then ten more pages, each by its Load button, on one page: ${morePages.rows} rows shown, ${ms(morePages.msPerPage)} a page, heap ${morePages.heapMb.toFixed(1)} MB. Cursor pagination keeps a page's cost independent of how many runs exist; goal: the first page over 10,000 runs within 1.2× of the baseline.`,
  ].join('\n');
}

function commandServingSection(figures: CommandServingFigures | null): string {
  if (!figures) return 'Not run: no python3 with scikit-learn here.';
  const { perCall, served } = figures;
  return [
    'The scikit-learn example (`examples/breast-cancer-sklearn`, a pickled pipeline behind `train.py`) predicting one row per call, one call at a time. Baseline: a process started per call, as command models were served before the serve mode; against it, the serve mode\'s warm process that `predict` uses.',
    '',
    '| path | calls | predictions/s | p50 per call |',
    '| --- | --- | --- | --- |',
    `| a process per call (baseline) | ${perCall.calls} | ${perCall.perSecond.toFixed(2)} | ${ms(perCall.p50)} |`,
    `| serve mode, one warm process | ${served.calls} | ${served.perSecond.toFixed(0)} | ${ms(served.p50)} |`,
    `| **ratio (serve / per call)** | | **${(served.perSecond / perCall.perSecond).toFixed(0)}×** | |`,
    '',
    'Goal: at least 50×.',
  ].join('\n');
}

function trainingTable(figures: TrainingFigure[]): string {
  const rows = figures.map(
    (f) =>
      `| ${f.shape} | ${f.model} | ${f.seconds.toFixed(2)} | ${f.sklearnSeconds === null ? 'not run' : f.sklearnSeconds.toFixed(2)} | **${f.sklearnSeconds === null ? '–' : `${(f.seconds / f.sklearnSeconds).toFixed(2)}×`}** | ${f.auc.toFixed(4)} | ${f.sklearnAuc === null ? '–' : f.sklearnAuc.toFixed(4)} |`,
  );
  return ['| rows × features | model | Custody, s | scikit-learn, s | time ratio | Custody AUC | scikit-learn AUC |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function servingTable(figures: Awaited<ReturnType<typeof servingBench>>['figures']): string {
  const rows = figures.flatMap((f) => [
    `| ${f.batch} | Custody, in process | ${f.service.perSecond.toFixed(0)} | ${ms(f.service.p50)} | ${ms(f.service.p99)} | **${(f.service.perSecond / f.bare.perSecond).toFixed(3)}** |`,
    `| ${f.batch} | Custody, REST | ${f.http.perSecond.toFixed(0)} | ${ms(f.http.p50)} | ${ms(f.http.p99)} | **${(f.http.perSecond / f.bare.perSecond).toFixed(3)}** |`,
    `| ${f.batch} | bare model predict (baseline) | ${f.bare.perSecond.toFixed(0)} | ${ms(f.bare.p50)} | ${ms(f.bare.p99)} | 1 |`,
  ]);
  return ['| batch | path | predictions/s | p50 per call | p99 per call | throughput ratio to bare |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

// `npm run bench -- --only drift` measures the drift statistics alone and rewrites their section.
if (process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'drift') await rewriteDriftSection(path.join(PROJECT_ROOT, 'BENCHMARKS.md'));
else await main();
