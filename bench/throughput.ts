import { randomUUID } from 'node:crypto';
import { postgresCpuMs, processCpuMs, processTree } from './processes.js';
import { smallSpec, type Stack } from './stack.js';
import { ms, stats, type Stats } from './timing.js';
import { pipelineStart } from '../domain/pipeline/start.js';

// Small pipelines at once on one worker, against the same work in a minimal workflow, and against bare
// orchestration of as many activities: completions a minute, latency, and the CPU each process spent a run.

const PIPELINES = 16;
/** Rounds of each kind, taken in turn, so a drift of the machine falls on every kind alike. */
const ROUNDS = 4;
/** The activities a small pipeline scheduled when the throughput goal was set, its projection writes among them. */
const ACTIVITIES_WHEN_GOAL_SET = 23;
const KINDS = ['pipelines', 'work', 'floor', 'floorAtGoal'] as const;
type Kind = (typeof KINDS)[number];

interface CpuSample {
  worker: number;
  server: number;
  database: number;
}

/** CPU so far of this process (the workers and the client), the Temporal server, and PostgreSQL. */
function cpuNow(serverPid: number | undefined): CpuSample {
  const own = process.cpuUsage();
  return {
    worker: (own.user + own.system) / 1000,
    server: serverPid ? processTree(serverPid).reduce((sum, pid) => sum + processCpuMs(pid), 0) : 0,
    database: postgresCpuMs(),
  };
}

export interface KindFigures extends Stats {
  perMinute: number;
  /** CPU milliseconds a run, by process. */
  cpu: CpuSample;
}

export interface ThroughputFigures {
  kinds: Record<Kind, KindFigures>;
  activitiesPerPipeline: number;
  events: { pipeline: number; floor: number };
  serverMeasured: boolean;
}

/** Runs a pipeline started as the API starts one (its memo, search attributes and summary); returns its workflow id. */
async function runPipeline(stack: Stack, name: string): Promise<string> {
  const start = pipelineStart({ id: randomUUID(), spec: smallSpec(name), submittedBy: 'bench', purpose: 'release', trigger: 'manual', parentRunId: null, driftReportId: null });
  await stack.client.workflow.execute('pipeline', { taskQueue: stack.taskQueue, ...start });
  return start.workflowId;
}

/** How each kind starts one of its workflows and waits for it. */
function starters(stack: Stack, activitiesPerPipeline: number): Record<Kind, (i: number) => Promise<unknown>> {
  const { client, taskQueue, repos } = stack;
  return {
    pipelines: (i) => runPipeline(stack, `bench-${i}`),
    // The pipeline's activities with the same inputs in a minimal workflow; its run row is made first, as the pipeline's is.
    work: async (i) => {
      const runId = randomUUID();
      const spec = smallSpec(`work-${i}`);
      await repos.runs.create({ id: runId, workflowId: `work-${runId}`, pipelineName: spec.name, modelName: spec.name, spec, submittedBy: 'bench', status: 'running' });
      return client.workflow.execute('workBench', { taskQueue, workflowId: `work-${i}-${runId}`, args: [{ runId, spec }] });
    },
    floor: (i) => client.workflow.execute('bareBench', { taskQueue, workflowId: `floor-${i}-${randomUUID()}`, args: [{ steps: activitiesPerPipeline }] }),
    // As many no-op activities as a pipeline scheduled before its projection writes became local activities.
    floorAtGoal: (i) => client.workflow.execute('bareBench', { taskQueue, workflowId: `floor-goal-${i}-${randomUUID()}`, args: [{ steps: ACTIVITIES_WHEN_GOAL_SET }] }),
  };
}

/** Runs one probe pipeline (its model ends in production as `probe`); returns its history's activity and event counts. */
export async function probePipeline(stack: Stack): Promise<{ activities: number; events: number }> {
  const workflowId = await runPipeline(stack, 'probe');
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return { activities: history.events!.filter((e) => e.activityTaskScheduledEventAttributes).length, events: history.events!.length };
}

export async function throughputBench(stack: Stack, serverPid: number | undefined): Promise<ThroughputFigures> {
  const probe = await probePipeline(stack);
  const start = starters(stack, probe.activities);
  const samples = Object.fromEntries(KINDS.map((kind) => [kind, { latencies: [] as number[], wall: 0, cpu: { worker: 0, server: 0, database: 0 } }])) as Record<Kind, { latencies: number[]; wall: number; cpu: CpuSample }>;
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with another kind, so no kind always follows the same one (and its garbage).
    for (const kind of [...KINDS.slice(round % KINDS.length), ...KINDS.slice(0, round % KINDS.length)]) {
      const sample = samples[kind];
      const cpu0 = cpuNow(serverPid);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: PIPELINES }, async (_, i) => {
          const t = performance.now();
          await start[kind](i);
          sample.latencies.push(performance.now() - t);
        }),
      );
      sample.wall += performance.now() - t0;
      const cpu1 = cpuNow(serverPid);
      for (const key of ['worker', 'server', 'database'] as const) sample.cpu[key] += cpu1[key] - cpu0[key];
    }
  }
  const runs = PIPELINES * ROUNDS;
  const figuresOf = (kind: Kind): KindFigures => {
    const { latencies, wall, cpu } = samples[kind];
    return { perMinute: (runs / wall) * 60_000, ...stats(latencies), cpu: { worker: cpu.worker / runs, server: cpu.server / runs, database: cpu.database / runs } };
  };
  const floorId = `floor-probe-${randomUUID()}`;
  await stack.client.workflow.execute('bareBench', { taskQueue: stack.taskQueue, workflowId: floorId, args: [{ steps: probe.activities }] });
  const floorEvents = (await stack.client.workflow.getHandle(floorId).fetchHistory()).events!.length;
  return {
    kinds: Object.fromEntries(KINDS.map((kind) => [kind, figuresOf(kind)])) as Record<Kind, KindFigures>,
    activitiesPerPipeline: probe.activities,
    events: { pipeline: probe.events, floor: floorEvents },
    serverMeasured: serverPid !== undefined,
  };
}

const cpuCells = (f: KindFigures, server: boolean) => `${f.cpu.worker.toFixed(0)} ms | ${server ? `${f.cpu.server.toFixed(0)} ms` : '–'} | ${f.cpu.database.toFixed(0)} ms`;

export function throughputSection(figures: ThroughputFigures, database: string): string {
  const { pipelines, work, floor, floorAtGoal } = figures.kinds;
  const ratio = pipelines.perMinute / work.perMinute;
  const server = figures.serverMeasured;
  return `## Throughput

${PIPELINES} small pipelines started at once on one worker, ${ROUNDS} rounds: the iris data (registered once, then resolved by hash), validation, one logistic-regression trial, evaluation, registry, production deployment with its check; no gate. Baseline: the pipeline's own activities with the same inputs, in order, in a minimal workflow (its work without Custody's orchestration: no projection writes, audit of steps, gates, search attributes or patch markers). Each round runs every kind in turn. Goal: at least 0.9.

| | completed per minute | run latency p50 | run latency p95 | history events a run |
| --- | --- | --- | --- | --- |
| small pipelines | ${pipelines.perMinute.toFixed(0)} | ${ms(pipelines.p50)} | ${ms(pipelines.p95)} | ${figures.events.pipeline} |
| the same work in a minimal workflow (baseline) | ${work.perMinute.toFixed(0)} | ${ms(work.p50)} | ${ms(work.p95)} | |
| **ratio (pipelines / baseline)** | **${ratio.toFixed(2)}** | ${(pipelines.p50 / work.p50).toFixed(2)}× | ${(pipelines.p95 / work.p95).toFixed(2)}× | |

Goal ${ratio >= 0.9 ? 'met' : '**not met**'} here. Where the CPU went, a run, by process (the worker's process also runs the client; ${database} holds every projection write and audit event):

| | worker | Temporal server | ${database} |
| --- | --- | --- | --- |
| small pipelines | ${cpuCells(pipelines, server)} |
| the same work in a minimal workflow | ${cpuCells(work, server)} |

Two more baselines, measured in the same rounds, put both against bare orchestration: as many minimal workflows at once, each running only no-op activities. Their ratio is the whole cost of a small pipeline's work and orchestration against none.

| baseline | completed per minute | run latency p50 | history events a run | ratio (pipelines / this baseline) |
| --- | --- | --- | --- | --- |
| no-op workflows of equal length: as many activities as a pipeline schedules (${figures.activitiesPerPipeline}; its projection writes are local activities) | ${floor.perMinute.toFixed(0)} | ${ms(floor.p50)} | ${figures.events.floor} | ${(pipelines.perMinute / floor.perMinute).toFixed(2)} |
| no-op workflows of ${ACTIVITIES_WHEN_GOAL_SET} activities, as many as a pipeline scheduled when the goal was set | ${floorAtGoal.perMinute.toFixed(0)} | ${ms(floorAtGoal.p50)} | | ${(pipelines.perMinute / floorAtGoal.perMinute).toFixed(2)} |
`;
}
