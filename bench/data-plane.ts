import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { TokensService } from '../api/access/tokens.service.js';
import { createApiApp } from '../api/bootstrap.js';
import { pipelineStart } from '../domain/pipeline/start.js';
import { smallSpec, type Stack } from './stack.js';
import { loadApart, loadAtFixedRate, type LoadFigure } from './serving-load.js';
import { otherLoad, postgresCpuMs, processCpuMs, processTree, quietMachine, startBareProcesses, startServingProcesses, type StartedProcess } from './processes.js';

// The data plane (`npm run serving`) in processes of its own, loaded from a load generator in a process of its
// own, against a bare node:http endpoint with as many processes; and the control plane's gate approvals while
// the data plane is flooded.

const PROCESS_COUNTS = [1, 2] as const;
const CONNECTIONS = 32;
const SECONDS = 10;
const FIXED_RATE = 1000;
/** Runs waiting at a gate for each phase (quiet, flooded), and the approvals each gate takes. */
const GATED_RUNS = 12;
const QUORUM = 5;
const FLOOD_SECONDS = 45;
const FLOWER = { sepal_length: 5.9, sepal_width: 3.0, petal_length: 5.1, petal_width: 1.8 };
const GATE = 'production-approval';

/** A load's figures, with the cores each party used meanwhile: the server's processes, PostgreSQL, the load generator. */
export type MeasuredLoad = LoadFigure & { answered: number; cores: { server: number; database: number; generator: number; others: number } };

export interface RateFigures {
  processes: number;
  serving: MeasuredLoad;
  bare: MeasuredLoad;
}

export interface LatencyFigures {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export type DataPlaneFigures =
  | { skipped: string }
  | {
      throughput: RateFigures[];
      fixedRate: RateFigures[];
      approvals: { quiet: LatencyFigures; flooded: LatencyFigures; flood: LoadFigure; duringFlood: number };
      answered: number;
      logged: number;
    };

/** The whole benchmark; `model` is in production (the throughput's probe), and the stack's worker runs. */
export async function dataPlaneBench(stack: Stack, model: string, serverPid?: number): Promise<DataPlaneFigures> {
  ours = () => [...processTree(process.pid), ...(serverPid ? processTree(serverPid) : [])];
  if (!stack.url) return { skipped: 'the data plane as processes of its own needs PostgreSQL; none was reachable' };
  const app = await createApiApp({ config: { ...stack.config, logLevel: 'error' }, database: stack.database, temporal: stack.client });
  await app.listen(0, '127.0.0.1');
  const api = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const tokens = app.get(TokensService);
  const caller = (await tokens.create({ name: 'app@example.com', role: 'viewer' }, 'bench')).token;
  const approvers = await Promise.all(Array.from({ length: QUORUM }, async (_, i) => (await tokens.create({ name: `approver-${i + 1}@example.com`, role: 'approver' }, 'bench')).token));
  const env = { DATABASE_URL: stack.url, CUSTODY_ARTIFACT_DIR: (stack.config.artifacts as { dir: string }).dir, CUSTODY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'custody-bench-serving-')), TEMPORAL_ADDRESS: stack.address };
  const before = await predictionsLogged(stack.url);
  try {
    const runs = await gatedRuns(stack);
    const predict = { path: `/v1/models/${model}/predict`, token: caller };
    const throughput: RateFigures[] = [];
    const fixedRate: RateFigures[] = [];
    let answered = 0;
    for (const processes of PROCESS_COUNTS) {
      const { figures, servingAnswered } = await againstBare(env, processes, predict);
      throughput.push({ processes, ...figures.throughput });
      fixedRate.push({ processes, ...figures.fixedRate });
      answered += servingAnswered;
    }
    const approvals = await approvalsUnderFlood(env, api, approvers, runs, predict);
    answered += approvals.answered;
    return { throughput, fixedRate, approvals: approvals.figures, answered, logged: (await settledCount(stack.url)) - before };
  } finally {
    await app.close();
    rmSync(env.CUSTODY_DATA_DIR, { recursive: true, force: true });
  }
}

type Predict = { path: string; token: string };

/** A port free now on the loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The bench's processes: this one and its children (the servers, the load generator), and the Temporal server. */
let ours: () => number[] = () => processTree(process.pid);

/**
 * A load from the generator's process, started once the machine is quiet, with the cores used meanwhile by
 * `server`'s processes, PostgreSQL, the generator (a child of this process, whose CPU this process reaps when it
 * exits) and processes not the bench's.
 */
async function measuredLoad(server: StartedProcess, load: () => Promise<LoadFigure & { answered: number }>): Promise<MeasuredLoad> {
  await quietMachine(ours, 0.2, 60_000, postgresCpuMs);
  const serverMs = () => processTree(server.pid).reduce((total, pid) => total + processCpuMs(pid), 0);
  const generatorMs = () => processCpuMs(process.pid, true) - processCpuMs(process.pid);
  const before = { server: serverMs(), database: postgresCpuMs(), generator: generatorMs(), at: performance.now() };
  const others = otherLoad(ours, postgresCpuMs);
  const figure = await load();
  const wall = performance.now() - before.at;
  const cores = { server: (serverMs() - before.server) / wall, database: (postgresCpuMs() - before.database) / wall, generator: (generatorMs() - before.generator) / wall, others: others.stop() };
  return { ...figure, cores };
}

/** Full load and the fixed rate against `processes` bare processes, then against as many serving processes. */
async function againstBare(env: Record<string, string>, processes: number, predict: Predict) {
  const body = JSON.stringify({ inputs: [FLOWER] });
  const measure = async (server: StartedProcess, url: string, token?: string) => ({
    throughput: await measuredLoad(server, () => loadApart(url, body, token ? { authorization: `Bearer ${token}` } : {}, { connections: CONNECTIONS, seconds: SECONDS })),
    fixedRate: await measuredLoad(server, () => loadAtFixedRate(url, body, token, FIXED_RATE, SECONDS)),
  });
  const barePort = await freePort();
  const bare = await started(startBareProcesses(barePort, processes), (server) => measure(server, `http://127.0.0.1:${barePort}/`));
  const port = await freePort();
  let warmed = 0;
  const serving = await started(startServingProcesses({ ...env, CUSTODY_SERVING_PORT: String(port) }, processes), async (server) => {
    const url = `http://127.0.0.1:${port}${predict.path}`;
    const headers = { authorization: `Bearer ${predict.token}` };
    // Warm: each process has loaded the model, compiled its hot path and remembered the token.
    warmed = (await loadApart(url, body, headers, { connections: 4, seconds: 3 })).answered;
    return await measure(server, url, predict.token);
  });
  return {
    figures: { throughput: { serving: serving.throughput, bare: bare.throughput }, fixedRate: { serving: serving.fixedRate, bare: bare.fixedRate } },
    servingAnswered: warmed + serving.throughput.answered + serving.fixedRate.answered,
  };
}

/** Runs `use` with the started processes, stopping them after, whatever happens. */
async function started<T>(starting: Promise<StartedProcess>, use: (process: StartedProcess) => Promise<T>): Promise<T> {
  const process = await starting;
  try {
    return await use(process);
  } finally {
    await process.stop();
  }
}

/** Twice GATED_RUNS small pipelines, each waiting at a gate of QUORUM approvals; their run ids. */
async function gatedRuns(stack: Stack): Promise<string[]> {
  const ids = await Promise.all(
    Array.from({ length: 2 * GATED_RUNS }, async (_, i) => {
      const start = pipelineStart({ id: randomUUID(), spec: smallSpec(`gated-${i}`, { gates: [{ name: GATE, quorum: QUORUM }], deployment: undefined }), submittedBy: 'bench', purpose: 'release', trigger: 'manual', parentRunId: null, driftReportId: null });
      await stack.client.workflow.start('pipeline', { taskQueue: stack.taskQueue, ...start });
      return start.args[0].runId;
    }),
  );
  for (const id of ids) {
    for (let tries = 0; ; tries++) {
      if ((await stack.repos.runs.get(id))?.status === 'awaiting_approval') break;
      if (tries > 600) throw new Error(`run ${id} never reached its gate`);
      await sleep(200);
    }
  }
  return ids;
}

async function graphql(api: string, token: string, query: string, variables: Record<string, unknown>): Promise<{ data: unknown }> {
  const response = await fetch(`${api}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data: unknown; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body;
}

/** Every approver approves each run's gate in turn, one call at a time; the calls' latencies and when each ended. */
async function approveAll(api: string, approvers: string[], runs: string[]): Promise<{ latency: number; endedAt: number }[]> {
  const calls: { latency: number; endedAt: number }[] = [];
  for (const id of runs) {
    for (const token of approvers) {
      const started = performance.now();
      await graphql(api, token, `mutation($id: ID!) { approveGate(input: { runId: $id, gate: "${GATE}" }) { status } }`, { id });
      calls.push({ latency: performance.now() - started, endedAt: performance.now() });
    }
  }
  return calls;
}

/** Approvals with the data plane idle, then the same while two serving processes take a full predict load. */
async function approvalsUnderFlood(env: Record<string, string>, api: string, approvers: string[], runs: string[], predict: Predict) {
  const quiet = await approveAll(api, approvers, runs.slice(0, GATED_RUNS));
  const port = await freePort();
  return await started(startServingProcesses({ ...env, CUSTODY_SERVING_PORT: String(port) }, 2), async () => {
    const headers = { authorization: `Bearer ${predict.token}` };
    const body = JSON.stringify({ inputs: [FLOWER] });
    const url = `http://127.0.0.1:${port}${predict.path}`;
    const warmed = (await loadApart(url, body, headers, { connections: 4, seconds: 3 })).answered;
    const floodStarted = performance.now();
    const flooding = loadApart(url, body, headers, { connections: CONNECTIONS, seconds: FLOOD_SECONDS });
    // The load generator at full load first, then the approvals.
    await sleep(3_000);
    const flooded = await approveAll(api, approvers, runs.slice(GATED_RUNS));
    const flood = await flooding;
    const floodEnded = floodStarted + FLOOD_SECONDS * 1000;
    return {
      figures: { quiet: latencies(quiet.map((c) => c.latency)), flooded: latencies(flooded.map((c) => c.latency)), flood, duringFlood: flooded.filter((c) => c.endedAt <= floodEnded).length },
      answered: warmed + flood.answered,
    };
  });
}

function latencies(values: number[]): LatencyFigures {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { count: values.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1)! };
}

async function predictionsLogged(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql<{ n: number }[]>`select count(*)::int as n from predictions`)[0]!.n;
  } finally {
    await sql.end();
  }
}

/** The prediction log's count once it has stopped growing (the processes' spools drain as they stop). */
async function settledCount(url: string): Promise<number> {
  let last = -1;
  for (;;) {
    const count = await predictionsLogged(url);
    if (count === last) return count;
    last = count;
    await sleep(2_000);
  }
}

// The section.

const perSecond = (n: number) => Math.round(n).toLocaleString('en');
const ratio = (n: number) => `${n.toFixed(2)}×`;
const verdict = (met: boolean) => (met ? '**met**' : '**not met**');
const msText = (n: number) => `${n.toFixed(0)} ms`;
/** A latency to a tenth of a millisecond (autocannon's are whole milliseconds). */
const tenth = (n: number) => `${n.toFixed(1)} ms`;

export function dataPlaneSection(figures: DataPlaneFigures): string {
  if ('skipped' in figures) return `## The data plane\n\nNot measured: ${figures.skipped}.\n`;
  return `## The data plane

${throughputText(figures.throughput)}

${fixedRateText(figures.fixedRate)}

${approvalsText(figures.approvals)}

Prediction log: the load generators counted ${perSecond(figures.answered)} answers from the serving processes in these runs, and the log holds ${perSecond(figures.logged)} predictions from them (${figures.logged >= figures.answered ? 'at least as many as were answered, by count; the few more are requests still in flight when a load ended, answered and logged after the generator stopped counting' : `**${perSecond(figures.answered - figures.logged)} fewer than were answered**`}).
`;
}

/** The cores each party used, and the server's and PostgreSQL's CPU per request answered. */
const cpuCells = (load: MeasuredLoad) => {
  const perRequest = (cores: number) => `${((cores * 1e6) / load.requestsPerSecond).toFixed(0)} µs`;
  return `${load.cores.server.toFixed(2)} | ${load.cores.database.toFixed(2)} | ${load.cores.generator.toFixed(2)} | ${load.cores.others.toFixed(2)} | ${perRequest(load.cores.server)} | ${perRequest(load.cores.database)}`;
};

function throughputText(rows: RateFigures[]): string {
  const lines = rows.flatMap((r) => [
    `| ${r.processes} | Custody serving, REST \`POST /v1/models/{name}/predict\` | ${perSecond(r.serving.requestsPerSecond)} | ${r.serving.p50} ms | ${r.serving.p99} ms | ${r.serving.errors} | **${ratio(r.serving.requestsPerSecond / r.bare.requestsPerSecond)}** | ${cpuCells(r.serving)} |`,
    `| ${r.processes} | bare \`node:http\` JSON (baseline) | ${perSecond(r.bare.requestsPerSecond)} | ${r.bare.p50} ms | ${r.bare.p99} ms | ${r.bare.errors} | 1 | ${cpuCells(r.bare)} |`,
  ]);
  const met = rows.every((r) => r.serving.requestsPerSecond / r.bare.requestsPerSecond >= 0.5);
  return `The data plane as operators run it (\`npm run serving\`, compiled, on PostgreSQL): CUSTODY_SERVING_PROCESSES processes sharing one port through the cluster module, with the model in production (the throughput's probe, logistic regression on iris), a viewer's token on every request and the prediction log on. Load: autocannon's command line in a process of its own, ${CONNECTIONS} connections for ${SECONDS} s, batch 1, after a 3-second warm-up. Baseline: a bare \`node:http\` endpoint that reads the JSON body and answers JSON (bench/bare-http.ts), in as many processes sharing a port the same way, loaded the same way in the same run. The machine has ${os.cpus().length} cores, shared by the load generator, the server's processes and PostgreSQL, which writes the prediction log (the bare endpoint writes nothing); the cores each used while the load ran are beside the figures. Each load starts once processes not the bench's take less than 0.2 of a core for two seconds. With the generator on the same two cores, the bare endpoint's figures are capped by what the generator leaves it (two processes do no better than one), so the CPU a request (the server's and PostgreSQL's against the bare endpoint's) is the steadier comparison.

| processes | endpoint | requests/s | p50 | p99 | errors | ratio to bare | server cores | PostgreSQL cores | generator cores | other processes' cores | server CPU a request | PostgreSQL CPU a request |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${lines.join('\n')}

Goal: at least 0.5× the bare endpoint's requests per second with as many processes — ${verdict(met)}.`;
}

function fixedRateText(rows: RateFigures[]): string {
  const lines = rows.flatMap((r) => [
    `| ${r.processes} | Custody serving | ${perSecond(r.serving.requestsPerSecond)} | ${tenth(r.serving.p50)} | **${tenth(r.serving.p99)}** | ${r.serving.errors} | ${cpuCells(r.serving)} |`,
    `| ${r.processes} | bare \`node:http\` (baseline) | ${perSecond(r.bare.requestsPerSecond)} | ${tenth(r.bare.p50)} | ${tenth(r.bare.p99)} | ${r.bare.errors} | ${cpuCells(r.bare)} |`,
  ]);
  const met = rows.every((r) => r.serving.p99 <= 10);
  return `The same at a fixed ${FIXED_RATE.toLocaleString('en')} requests a second for ${SECONDS} s (the first second a warm-up, not counted), from an open-loop generator in a process of its own (bench/fixed-rate.ts: each request sent at its appointed time on keep-alive connections, however the answers before it fare, and its latency measured from that time, so a stall of either side counts): the latency an application sees below saturation. The generator wakes each millisecond, so half a millisecond or so of every latency is its own, as the baseline shows.

| processes | endpoint | requests/s | p50 | p99 | errors | server cores | PostgreSQL cores | generator cores | other processes' cores | server CPU a request | PostgreSQL CPU a request |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${lines.join('\n')}

Goal: p99 at most 10 ms — ${verdict(met)}.`;
}

function approvalsText(approvals: Extract<DataPlaneFigures, { approvals: unknown }>['approvals']): string {
  const row = (name: string, l: LatencyFigures) => `| ${name} | ${l.count} | ${msText(l.p50)} | ${msText(l.p95)} | **${msText(l.p99)}** | ${msText(l.max)} |`;
  return `The control plane while the data plane is flooded: gate approvals through GraphQL (\`approveGate\`, a Temporal update that the run's workflow answers), one at a time by ${QUORUM} approvers on ${GATED_RUNS} runs each waiting at a gate of quorum ${QUORUM}, from the API in the bench's process (beside the worker). First with the data plane idle, then while two serving processes take ${CONNECTIONS} connections of predictions at full load from the load generator (${perSecond(approvals.flood.requestsPerSecond)} requests/s, p99 ${approvals.flood.p99} ms, ${approvals.flood.errors} errors over ${FLOOD_SECONDS} s; ${approvals.duringFlood} of the ${approvals.flooded.count} approvals answered while it ran).

| data plane | approvals | p50 | p95 | p99 | slowest |
| --- | --- | --- | --- | --- | --- |
${row('idle', approvals.quiet)}
${row('flooded', approvals.flooded)}

Goal: an approval answers within 500 ms at p99 under the flood — ${verdict(approvals.flooded.p99 < 500 && approvals.duringFlood === approvals.flooded.count)}.`;
}
