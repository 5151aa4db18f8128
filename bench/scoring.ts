import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { splitOptionsOf } from '../activities/training/model-inputs.js';
import { createRepositories, type Repositories } from '../db/repositories/index.js';
import { parsePipelineSpec, type BuiltInTrainer, type PipelineSpec } from '../domain/pipeline/spec.js';
import { pipelineStart } from '../domain/pipeline/start.js';
import type { ScoringRequest } from '../domain/scoring.js';
import type { BuiltInModelArtifact } from '../ml/artifact.js';
import { rocAuc } from '../ml/metrics.js';
import { loadArtifact } from '../ml/predict.js';
import { planChunks } from '../ml/scoring/chunks.js';
import { resolveScoring } from '../ml/scoring/resolve.js';
import { scoreChunk, type ChunkPhases } from '../ml/scoring/score-chunk.js';
import { loadRows, splitRows } from '../ml/trainers/dataset-table.js';
import { decodeTree, type EncodedTree, type Tree } from '../ml/trees/tree.js';
import { PROJECT_ROOT } from '../paths.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { openArtifactStore } from '../storage/open-store.js';
import { registerDatasetFile } from '../storage/register-dataset.js';
import type { pipeline } from '../workflows/pipeline/pipeline.js';
import { otherLoad, processTree, quietMachine, residentBytes, sampleResident, startWorkerProcess, type StartedProcess } from './processes.js';
import { featureNames, writeMatrix, writeTask } from './scoring-data.js';
import { runScoringJob, type JobFigures } from './scoring-jobs.js';
import { openBenchDatabase } from './stack.js';

// Batch scoring, through the real `batchScore` workflow and worker processes: its speed inside the model against
// scikit-learn's predict_proba on the same rows, the whole job's time and where it goes, how it scales with the
// training pool's processes, and a worker's memory while ten million rows go through it.

const FEATURES = 20;
/** Rows of the training dataset: its training split (64%, after the test and validation splits) is 100,000 rows. */
const TRAINING_ROWS = 156_250;
const SCORED_ROWS = 1_000_000;
const LARGE_ROWS = 10_000_000;
/** A small input scored in many small chunks first, so that every worker process has loaded the models and warmed up. */
const WARM_ROWS = 20_000;
const SEEDS = { training: 1, scored: 2, warm: 3, large: 4 };
const TRAINERS = ['random-forest', 'gradient-boosting'] as const satisfies readonly BuiltInTrainer[];
type Trainer = (typeof TRAINERS)[number];
/** Custody's parameters; the rest are the trainers' defaults (fully grown trees, √features; 31 leaves, rate 0.1). */
const PARAMS: Record<Trainer, Record<string, number | boolean>> = {
  'random-forest': { nEstimators: 100 },
  'gradient-boosting': { maxIter: 100, earlyStopping: false },
};
const MB = 2 ** 20;

export interface TreeSize {
  trees: number;
  nodes: number;
  leaves: number;
  maxDepth: number;
}

export interface ModelFigures {
  trainer: Trainer;
  size: TreeSize;
  /** Rows a second inside the model: the job's rows over its chunks' summed `scoreMs`, at parallelism 1. */
  rowsPerSecond: number;
  auc: number;
  sklearn: (TreeSize & { rowsPerSecond: number; auc: number }) | null;
  /** The job at parallelism 1, end to end. */
  job: JobFigures;
  /** One chunk scored in the bench's process by the same code, timed by phase. */
  chunk: ChunkPhases & { rows: number };
}

export interface ScalingFigures {
  trainer: Trainer;
  parallelism: number;
  one: JobFigures;
  two: JobFigures;
}

export interface MemoryFigures {
  trainer: Trainer;
  rows: number;
  fileBytes: number;
  idleBytes: number;
  peakBytes: number;
  samples: number;
  job: JobFigures;
}

export type ScoringFigures = { skipped: string } | { trainingRows: number; models: ModelFigures[]; scaling: ScalingFigures[]; memory: MemoryFigures; sklearnOthersCores: number };

/** What the measurements share: the database, the store, a client, the worker processes' environment, and a temporary directory. */
interface Bench {
  dir: string;
  env: Record<string, string>;
  taskQueue: string;
  repos: Repositories;
  store: ArtifactStore;
  client: Client;
  processes: StartedProcess[];
  versions: Map<Trainer, number>;
  /** The bench's own processes: this one and its children (the worker processes, Python), and the Temporal server. */
  ours: () => number[];
}

/** The whole benchmark; a few minutes for the 1,000,000 rows, many more for the 10,000,000. */
export async function scoringBench(address: string, serverPid?: number): Promise<ScoringFigures> {
  const database = await openBenchDatabase();
  if (!database.url) {
    await database.drop();
    return { skipped: 'it needs PostgreSQL, which the worker processes share; none was reachable' };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-bench-scoring-'));
  const taskQueue = `bench-scoring-${randomBytes(4).toString('hex')}`;
  const env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue, CUSTODY_DATA_DIR: path.join(dir, 'data'), CUSTODY_IMPORT_DIR: PROJECT_ROOT };
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const client = new Client({ connection: await Connection.connect({ address }) });
  const ours = () => [...processTree(process.pid), ...(serverPid ? processTree(serverPid) : [])];
  const bench: Bench = { dir, env, taskQueue, repos: createRepositories(database.database.db), store: openArtifactStore(config.artifacts), client, processes: [], versions: new Map(), ours };
  try {
    return await measure(bench);
  } finally {
    await Promise.all(bench.processes.map((p) => p.stop()));
    await client.connection.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(bench: Bench): Promise<ScoringFigures> {
  const files = await writeInputs(bench);
  bench.processes.push(await startWorkerProcess(bench.env, 'orchestration'));
  bench.processes.push(await startWorkerProcess(bench.env, 'training'));
  await Promise.all(TRAINERS.map(async (trainer) => bench.versions.set(trainer, await trainModel(bench, trainer))));
  // scikit-learn fits and predicts while the workers are idle, so that nothing else takes its core.
  const sklearn = await sklearnFigures(bench, files.sklearnTrain, files.sklearnScored);
  await warmUp(bench, 1);
  const models: ModelFigures[] = [];
  for (const trainer of TRAINERS) models.push(await modelFigures(bench, trainer, sklearn.figures.get(trainer) ?? null, files.labels));
  const scaling = await scalingFigures(bench);
  await Promise.all(bench.processes.splice(1).map((p) => p.stop()));
  const memory = await memoryFigures(bench, 'gradient-boosting');
  return { trainingRows: files.trainingRows, models, scaling, memory, sklearnOthersCores: sklearn.othersCores };
}

/** The training, scored and warm-up datasets registered; scikit-learn's copies of the training split and the scored rows. */
async function writeInputs(bench: Bench) {
  const file = (name: string) => path.join(bench.dir, name);
  await writeTask(file('training.csv'), TRAINING_ROWS, FEATURES, SEEDS.training, { label: true });
  const labels = await writeTask(file('scored.csv'), SCORED_ROWS, FEATURES, SEEDS.scored, { label: false, matrix: file('scored.f64') });
  await writeTask(file('warm.csv'), WARM_ROWS, FEATURES, SEEDS.warm, { label: false });
  for (const name of ['training', 'scored', 'warm']) await register(bench, `scoring-${name}`, file(`${name}.csv`));
  // The rows the pipeline's trial trains on: its loader and its split.
  const rows = await loadRows(file('training.csv'), 'csv', [...featureNames(FEATURES), 'label'], 'label');
  const { train } = splitRows(rows, 'label', splitOptionsOf(pipelineSpec('random-forest')));
  writeMatrix(file('training.f64'), train, featureNames(FEATURES), 'label');
  return { labels, trainingRows: train.length, sklearnTrain: file('training.f64'), sklearnScored: file('scored.f64') };
}

async function register(bench: Bench, name: string, file: string): Promise<void> {
  await registerDatasetFile({ repos: bench.repos, store: bench.store }, { name, file, format: 'csv', metadata: { source: 'the scoring benchmark' }, actor: 'bench' });
}

/** A pipeline of one trial of `trainer` on the training dataset, evaluated and registered; no deployment. */
function pipelineSpec(trainer: Trainer): PipelineSpec {
  const parsed = parsePipelineSpec({
    name: `scoring-${trainer}`,
    dataset: { name: 'scoring-training', version: 'latest' },
    task: 'classification',
    target: 'label',
    training: { trainer, seed: 0, params: PARAMS[trainer] },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec;
}

/** Trains one model by its pipeline, on the training pool as a trial trains; returns its version. */
async function trainModel(bench: Bench, trainer: Trainer): Promise<number> {
  const start = pipelineStart({ id: randomUUID(), spec: pipelineSpec(trainer), submittedBy: 'bench', purpose: 'release', trigger: 'manual', parentRunId: null, driftReportId: null });
  const result = await bench.client.workflow.execute<typeof pipeline>('pipeline', { taskQueue: bench.taskQueue, ...start });
  if (result.status !== 'succeeded' || result.modelVersion === undefined) throw new Error(`training ${trainer} ended ${result.status}: ${result.reasons.join('; ')}`);
  return result.modelVersion;
}

const request = (bench: Bench, trainer: Trainer, dataset: string, more: Partial<ScoringRequest> = {}): ScoringRequest => ({
  model: `scoring-${trainer}`,
  version: bench.versions.get(trainer)!,
  dataset,
  output: `scores-${trainer}`,
  ...more,
});

/** A job measured: started once the machine is quiet, with what else ran meanwhile measured. */
async function measuredJob(bench: Bench, request: ScoringRequest): Promise<JobFigures> {
  await quietMachine(bench.ours);
  return await runScoringJob(bench.client, bench.taskQueue, request, bench.ours);
}

/** Scores the small input in many chunks with each model until each of `processes` training workers has scored some of it. */
async function warmUp(bench: Bench, processes: number, trainers: readonly Trainer[] = TRAINERS): Promise<void> {
  for (const trainer of trainers) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const job = await runScoringJob(bench.client, bench.taskQueue, request(bench, trainer, 'scoring-warm', { chunkRows: 500, parallelism: 8 }), bench.ours);
      if (job.chunksByWorker.length >= processes) break;
    }
  }
}

/** The model's speed at parallelism 1 against scikit-learn's, the job end to end, and one chunk's phases. */
async function modelFigures(bench: Bench, trainer: Trainer, sklearn: ModelFigures['sklearn'], labels: Uint8Array): Promise<ModelFigures> {
  const job = await measuredJob(bench, request(bench, trainer, 'scoring-scored', { parallelism: 1 }));
  const version = (await bench.repos.registry.findModel(`scoring-${trainer}`))!;
  const row = (await bench.repos.registry.versionsOfModels([version.id])).find((v) => v.version === bench.versions.get(trainer))!;
  const artifact = (await loadArtifact(bench.store, row.artifactSha256)) as BuiltInModelArtifact;
  return {
    trainer,
    size: sizeOf(artifact),
    rowsPerSecond: job.rows / (job.scoreMs / 1000),
    auc: await aucOfScores(bench, `scores-${trainer}`, labels),
    sklearn,
    job,
    chunk: await chunkPhases(bench, trainer, artifact),
  };
}

/** Trees, nodes, leaves and the deepest leaf of a built-in forest or boosted model. */
function sizeOf(artifact: BuiltInModelArtifact): TreeSize {
  const model = artifact.model as { trees?: EncodedTree[]; rounds?: EncodedTree[][] };
  const trees = (model.trees ?? model.rounds!.flat()).map(decodeTree);
  return {
    trees: trees.length,
    nodes: trees.reduce((total, t) => total + t.feature.length, 0),
    leaves: trees.reduce((total, t) => total + t.feature.filter((f) => f < 0).length, 0),
    maxDepth: Math.max(...trees.map(depthOf)),
  };
}

function depthOf(tree: Tree): number {
  let deepest = 0;
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (tree.feature[node]! >= 0) stack.push([tree.left[node]!, depth + 1], [tree.right[node]!, depth + 1]);
  }
  return deepest;
}

/** ROC AUC of the latest scores in `dataset` against the scored rows' labels. */
async function aucOfScores(bench: Bench, dataset: string, labels: Uint8Array): Promise<number> {
  const version = (await bench.repos.datasets.findVersion(dataset, 'latest'))!;
  const scores: number[] = [];
  await bench.store.withLocalFile(version.sha256, async (file) => {
    let column = -1;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      const cells = line.split(',');
      if (column < 0) column = cells.indexOf('probability_1');
      else scores[Number(cells[0]) - 1] = Number(cells[column]);
    }
  });
  return rocAuc(Array.from(labels, (y) => y === 1), scores);
}

/** The first chunk of the scored input, scored in this process by the chunk activity's code, twice: the second is timed. */
async function chunkPhases(bench: Bench, trainer: Trainer, artifact: BuiltInModelArtifact): Promise<ChunkPhases & { rows: number }> {
  const job = await resolveScoring(bench.repos, randomUUID(), request(bench, trainer, 'scoring-scored'));
  return await bench.store.withLocalFile(job.inputSha256, async (file) => {
    const plan = await planChunks(file, job.format, job.chunkRows);
    const chunk = plan.chunks[0]!;
    let phases: ChunkPhases = { readMs: 0, scoreMs: 0, writeMs: 0, storeMs: 0 };
    for (let round = 0; round < 2; round++) {
      phases = { readMs: 0, scoreMs: 0, writeMs: 0, storeMs: 0 };
      await scoreChunk({ store: bench.store, artifact, phases }, job, plan.columns, chunk, file);
    }
    return { ...phases, rows: chunk.rows };
  });
}

/** The same job on one training worker process, then on two, each warmed up first. */
async function scalingFigures(bench: Bench): Promise<ScalingFigures[]> {
  const parallelism = 4;
  const run = (trainer: Trainer) => measuredJob(bench, request(bench, trainer, 'scoring-scored', { parallelism }));
  const one = new Map<Trainer, JobFigures>();
  for (const trainer of TRAINERS) one.set(trainer, await run(trainer));
  bench.processes.push(await startWorkerProcess(bench.env, 'training'));
  await warmUp(bench, 2);
  const figures: ScalingFigures[] = [];
  for (const trainer of TRAINERS) figures.push({ trainer, parallelism, one: one.get(trainer)!, two: await run(trainer) });
  return figures;
}

/**
 * Ten million rows scored by one fresh training worker process with the job's default chunking, its resident
 * memory read every 200 ms: idle after a warm-up job, and throughout the job.
 */
async function memoryFigures(bench: Bench, trainer: Trainer): Promise<MemoryFigures> {
  const file = path.join(bench.dir, 'large.csv');
  await writeTask(file, LARGE_ROWS, FEATURES, SEEDS.large, { label: false });
  const fileBytes = statSync(file).size;
  await register(bench, 'scoring-large', file);
  rmSync(file);
  const worker = await startWorkerProcess(bench.env, 'training');
  bench.processes.push(worker);
  await warmUp(bench, 1, [trainer]);
  await sleep(2_000);
  const idle = sampleResident(worker.pid);
  await sleep(3_000);
  const idleSamples = idle.stop().sort((a, b) => a - b);
  await quietMachine(bench.ours);
  const during = sampleResident(worker.pid);
  const job = await runScoringJob(bench.client, bench.taskQueue, request(bench, trainer, 'scoring-large'), bench.ours);
  const samples = during.stop();
  return {
    trainer,
    rows: LARGE_ROWS,
    fileBytes,
    idleBytes: idleSamples[Math.floor(idleSamples.length / 2)] ?? residentBytes(worker.pid) ?? 0,
    peakBytes: Math.max(...samples),
    samples: samples.length,
    job,
  };
}

const SKLEARN = `
import json, sys, time
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import roc_auc_score
features = int(sys.argv[3])
train = np.fromfile(sys.argv[1]).reshape(-1, features + 1)
scored = np.fromfile(sys.argv[2]).reshape(-1, features + 1)
X, y = scored[:, :features], scored[:, features]
def forest_size(model):
    trees = [e.tree_ for e in model.estimators_]
    return len(trees), int(sum(t.node_count for t in trees)), int(sum(t.n_leaves for t in trees)), int(max(t.max_depth for t in trees))
def boosted_size(model):
    nodes = [p.nodes for round in model._predictors for p in round]
    return len(nodes), sum(len(n) for n in nodes), sum(int(n['is_leaf'].sum()) for n in nodes), max(int(n['depth'].max()) for n in nodes)
for name, model, size in [('random-forest', RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0), forest_size),
                          ('gradient-boosting', HistGradientBoostingClassifier(max_iter=100, early_stopping=False), boosted_size)]:
    model.fit(train[:, :features], train[:, features])
    model.predict_proba(X[:10000])
    started = time.perf_counter(); p = model.predict_proba(X); seconds = time.perf_counter() - started
    trees, nodes, leaves, depth = size(model)
    print(json.dumps({'name': name, 'rowsPerSecond': len(X) / seconds, 'auc': roc_auc_score(y, p[:, 1]), 'trees': trees, 'nodes': nodes, 'leaves': leaves, 'maxDepth': depth}), flush=True)
`;

/** scikit-learn fitted on the same training rows and timed predicting the same rows in memory, on one thread. */
async function sklearnFigures(bench: Bench, trainFile: string, scoredFile: string): Promise<{ figures: Map<Trainer, NonNullable<ModelFigures['sklearn']>>; othersCores: number }> {
  const figures = new Map<Trainer, NonNullable<ModelFigures['sklearn']>>();
  await quietMachine(bench.ours);
  const others = otherLoad(bench.ours);
  const child = spawn('/usr/bin/python3', ['-c', SKLEARN, trainFile, scoredFile, String(FEATURES)], {
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const [code] = (await once(child, 'close').catch(() => [1])) as [number | null];
  const othersCores = others.stop();
  if (code !== 0) return { figures, othersCores };
  for (const line of text.trim().split('\n')) {
    const { name, ...model } = JSON.parse(line) as { name: Trainer } & NonNullable<ModelFigures['sklearn']>;
    figures.set(name, model);
  }
  return { figures, othersCores };
}

// The section.

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const perSecond = (n: number) => Math.round(n).toLocaleString('en');
const ratio = (n: number) => `${n.toFixed(2)}×`;
const mb = (bytes: number) => `${Math.round(bytes / MB)} MB`;
const verdict = (met: boolean) => (met ? '**met**' : '**not met**');
const NAMES: Record<Trainer, string> = { 'random-forest': 'random forest', 'gradient-boosting': 'gradient-boosted trees' };

export function scoringSection(figures: ScoringFigures): string {
  if ('skipped' in figures) return `## Batch scoring\n\nNot measured: ${figures.skipped}.\n`;
  return `## Batch scoring

${speedSection(figures)}

${endToEndSection(figures.models)}

${scalingSection(figures.scaling)}

${memorySection(figures.memory)}

${loadLine(figures)}
`;
}

/** What else the machine ran meanwhile: the figures above mean little if it was much. */
function loadLine(figures: Exclude<ScoringFigures, { skipped: string }>): string {
  const jobs = [...figures.models.map((m) => m.job), ...figures.scaling.flatMap((s) => [s.one, s.two]), figures.memory.job];
  const most = Math.max(...jobs.map((j) => j.othersCores));
  return `Each measured job and scikit-learn's run started once other processes took less than 0.2 of a core for two seconds; meanwhile they took at most ${most.toFixed(2)} cores during a job and ${figures.sklearnOthersCores.toFixed(2)} during scikit-learn's run (PostgreSQL counts among them, though the jobs write to it too).`;
}

function speedSection({ trainingRows, models }: { trainingRows: number; models: ModelFigures[] }): string {
  const rows = models.map((m) => {
    const s = m.sklearn;
    const against = s ? `**${ratio(m.rowsPerSecond / s.rowsPerSecond)}**` : 'not run';
    return `| ${NAMES[m.trainer]} | ${perSecond(m.rowsPerSecond)} | ${s ? perSecond(s.rowsPerSecond) : '–'} | ${against} | ${sizeText(m.size)} | ${s ? sizeText(s) : '–'} | ${m.auc.toFixed(4)} | ${s ? s.auc.toFixed(4) : '–'} |`;
  });
  const met = models.every((m) => m.sklearn && m.rowsPerSecond / m.sklearn.rowsPerSecond >= 0.5);
  return `${SCORED_ROWS.toLocaleString('en')} rows × ${FEATURES} features (the training benchmark's task, from a seed) registered as a dataset version and scored by the \`batchScore\` workflow on one worker process of the training pool, chunk after chunk (parallelism 1, so one core), with a random forest (100 trees, fully grown, √features per split) and gradient-boosted trees (100 rounds, 31 leaves, learning rate 0.1, no early stopping), each trained by a pipeline on ${trainingRows.toLocaleString('en')} rows of the same task. Custody's rows per second are the job's rows over its chunks' time inside the model (\`scoreMs\`: the checked rows made a matrix, the trees, the labels; reading, parsing and writing excluded). Baseline: scikit-learn (\`RandomForestClassifier\`, \`HistGradientBoostingClassifier\` with the same settings) fitted on the same ${trainingRows.toLocaleString('en')} rows, timing \`predict_proba\` on the same ${SCORED_ROWS.toLocaleString('en')} rows held in memory, on one thread (\`n_jobs=1\`, one OpenMP thread). The models' sizes say the comparison is of like with like; AUC is on the scored rows.

| model | Custody, rows/s in the model | scikit-learn, rows/s | ratio | Custody's trees: nodes, leaves, deepest | scikit-learn's | Custody AUC | scikit-learn AUC |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Goal: at least 0.5× scikit-learn's rows per second, each model — ${verdict(met)}.`;
}

const sizeText = (s: TreeSize) => `${s.nodes.toLocaleString('en')}, ${s.leaves.toLocaleString('en')}, depth ${s.maxDepth}`;

function endToEndSection(models: ModelFigures[]): string {
  const column = (pick: (m: ModelFigures) => string) => models.map(pick).join(' | ');
  const other = (m: ModelFigures) => m.job.chunkActivityMs - m.job.scoreMs;
  const share = (m: ModelFigures, phase: 'readMs' | 'writeMs' | 'storeMs') => {
    const outside = m.chunk.readMs + m.chunk.writeMs + m.chunk.storeMs;
    return `${seconds((other(m) * m.chunk[phase]) / outside)} (${Math.round((100 * m.chunk[phase]) / outside)}%)`;
  };
  const rest = (m: ModelFigures) => m.job.wallMs - m.job.planMs - m.job.chunksMs - m.job.assembleMs;
  const sklearnRatio = (m: ModelFigures) => (m.sklearn ? ratio(m.job.rows / (m.job.wallMs / 1000) / m.sklearn.rowsPerSecond) : '–');
  return `The same jobs end to end, from the start request to the result: reading the input, scoring, writing the scores, joining them and registering them as a dataset version (profiled). The phases come from each job's workflow history; the chunk activities' time outside the model (reading and parsing the rows, checking them, formatting and writing the scores, storing the parts) is divided as it divides in one chunk (the first, ${models[0]!.chunk.rows.toLocaleString('en')} rows) scored by the same code in the bench's process.

| phase | ${column((m) => NAMES[m.trainer])} |
| --- | ${column(() => '---')} |
| plan: one pass over the input for the chunks' byte ranges | ${column((m) => seconds(m.job.planMs))} |
| chunks: inside the model | ${column((m) => seconds(m.job.scoreMs))} |
| chunks: reading, parsing and checking rows | ${column((m) => share(m, 'readMs'))} |
| chunks: formatting and writing scores | ${column((m) => share(m, 'writeMs'))} |
| chunks: storing parts | ${column((m) => share(m, 'storeMs'))} |
| between chunks: hand-off and progress record | ${column((m) => seconds(m.job.chunksMs - m.job.chunkActivityMs))} |
| join, profile and register the output | ${column((m) => seconds(m.job.assembleMs))} |
| resolve and record the job, workflow tasks | ${column((m) => seconds(rest(m)))} |
| **whole job** | ${column((m) => `**${seconds(m.job.wallMs)}**`)} |
| rows/s end to end | ${column((m) => perSecond(m.job.rows / (m.job.wallMs / 1000)))} |
| ratio to scikit-learn's in-memory \`predict_proba\` | ${column(sklearnRatio)} |`;
}

function scalingSection(scaling: ScalingFigures[]): string {
  const chunkRate = (job: JobFigures) => job.rows / (job.chunksMs / 1000);
  const jobRate = (job: JobFigures) => job.rows / (job.wallMs / 1000);
  const rows = scaling.flatMap((s) => [
    `| ${NAMES[s.trainer]} | one | ${perSecond(chunkRate(s.one))} | ${perSecond(jobRate(s.one))} | ${s.one.chunksByWorker.join(' + ')} |`,
    `| ${NAMES[s.trainer]} | two | ${perSecond(chunkRate(s.two))} | ${perSecond(jobRate(s.two))} | ${s.two.chunksByWorker.join(' + ')} |`,
    `| ${NAMES[s.trainer]} | **ratio (two / one)** | **${ratio(chunkRate(s.two) / chunkRate(s.one))}** | ${ratio(jobRate(s.two) / jobRate(s.one))} | |`,
  ]);
  const met = scaling.every((s) => chunkRate(s.two) / chunkRate(s.one) >= 1.6);
  const wholeMet = scaling.every((s) => jobRate(s.two) / jobRate(s.one) >= 1.6);
  const parallelism = scaling[0]?.parallelism ?? 0;
  return `The same ${SCORED_ROWS.toLocaleString('en')}-row job at parallelism ${parallelism} on one training worker process, then on two (the second started and warmed up by a small job between), one core each on this machine of ${os.cpus().length}; the orchestration worker, the Temporal server and PostgreSQL share the same cores. Scoring rows/s are over the chunks' span (first chunk scheduled to last finished); the job's rows/s include planning, joining and registering, which one process does whatever the pool's size.

| model | training worker processes | rows/s while scoring | rows/s, whole job | chunks by process |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

Goal: two worker processes at least 1.6× one — ${verdict(met)} for the scoring; for the whole job ${wholeMet ? 'met too' : 'not met'}.`;
}

function memorySection(memory: MemoryFigures): string {
  const growth = memory.peakBytes - memory.idleBytes;
  return `A ${memory.rows.toLocaleString('en')}-row input (${mb(memory.fileBytes)} of CSV, generated to a file as it streams) scored with the ${NAMES[memory.trainer]} by one fresh training worker process, with the job's defaults (50,000-row chunks, 4 at a time): its resident memory (VmRSS) read every 200 ms, idle after a warm-up job with the same model, and throughout the job (${memory.samples} readings), the output's joining, profiling and registration included. The job took ${seconds(memory.job.wallMs)} (${perSecond(memory.rows / (memory.job.wallMs / 1000))} rows/s).

| worker process | resident memory |
| --- | --- |
| idle, after the warm-up (baseline) | ${mb(memory.idleBytes)} |
| peak while scoring | ${mb(memory.peakBytes)} |
| **peak − idle** | **${mb(growth)}** |

Goal: at most 300 MB above idle — ${verdict(growth <= 300 * MB)}.`;
}
