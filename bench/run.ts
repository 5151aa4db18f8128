// `npm run bench`: every benchmark against a baseline measured in the same run, written to BENCHMARKS.md.
// scripts/bench.mjs starts the Temporal dev server first. `npm run bench -- --only throughput,steps` runs
// those benchmarks alone and rewrites their sections.
import path from 'node:path';
import { installRuntime } from '../worker/runtime.js';
import { PROJECT_ROOT } from '../paths.js';
import { claimsBench, claimsSection } from './claims.js';
import { commandServingBench, commandServingSection } from './command-serving.js';
import { dataPlaneBench, dataPlaneSection } from './data-plane.js';
import { consoleBench, consoleSection } from './console.js';
import { driftBench, driftSection } from './drift.js';
import { lineageBench, lineageSection } from './lineage.js';
import { codecSection, codecStepCost, stepOverhead, stepsSection } from './orchestration.js';
import { machineLine, writeReport } from './report.js';
import { scoringBench, scoringSection } from './scoring.js';
import { searchBench, searchSection } from './search.js';
import { adaptiveSearchBench, adaptiveSearchSection } from './adaptive-search.js';
import { explainBench, explainSection } from './explain.js';
import { securityBench, securitySection } from './security.js';
import { servingBench, servingSection } from './serving.js';
import { openStack, smallSpec, type Stack } from './stack.js';
import { probePipeline, throughputBench, throughputSection } from './throughput.js';
import { trainingBench, trainingSection } from './training.js';

/** The benchmarks in BENCHMARKS.md's order (they run in the order `main` gives). */
const BENCHMARKS = ['steps', 'codec', 'throughput', 'lineage', 'serving', 'data-plane', 'drift', 'training', 'scoring', 'claims', 'search', 'adaptive-search', 'explain', 'command-serving', 'security', 'console'] as const;
type Benchmark = (typeof BENCHMARKS)[number];
/** Those that share one database, worker and client; the worker stops before `security`. */
const ON_THE_STACK: readonly Benchmark[] = ['steps', 'codec', 'throughput', 'serving', 'data-plane', 'security', 'console', 'lineage'];

/** The benchmarks `--only a,b` (or `--only=a,b`) names; all of them without it. */
function chosen(argv: string[]): Set<Benchmark> {
  const at = argv.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  if (at < 0) return new Set(BENCHMARKS);
  const list = argv[at]!.startsWith('--only=') ? argv[at]!.slice('--only='.length) : (argv[at + 1] ?? '');
  const names = list.split(',').filter(Boolean);
  const unknown = names.filter((n) => !BENCHMARKS.includes(n as Benchmark));
  if (names.length === 0 || unknown.length > 0) throw new Error(`--only takes benchmarks from ${BENCHMARKS.join(', ')}, separated by commas${unknown.length ? `; not ${unknown.join(', ')}` : ''}`);
  return new Set(names as Benchmark[]);
}

/** The benchmarks that need Temporal and the database, in order; returns their sections. */
async function onTheStack(want: Set<Benchmark>, sections: Map<Benchmark, string>): Promise<string> {
  const stack: Stack = await openStack(process.env.TEMPORAL_ADDRESS!);
  const serverPid = process.env.CUSTODY_BENCH_TEMPORAL_PID ? Number(process.env.CUSTODY_BENCH_TEMPORAL_PID) : undefined;
  try {
    if (want.has('steps')) sections.set('steps', stepsSection(await stepOverhead(stack)));
    if (want.has('codec')) sections.set('codec', codecSection(await codecStepCost(stack)));
    if (want.has('throughput')) sections.set('throughput', throughputSection(await throughputBench(stack, serverPid), stack.kind));
    // Serving uses the model the throughput's probe put in production; run alone, it runs a probe of its own.
    if (want.has('serving')) {
      if (!want.has('throughput')) await probePipeline(stack);
      sections.set('serving', servingSection(await servingBench({ config: stack.config, database: stack.database, temporal: stack.client, model: 'probe' }), stack.kind));
    }
    if (want.has('data-plane')) {
      if (!want.has('throughput') && !want.has('serving')) await probePipeline(stack);
      sections.set('data-plane', dataPlaneSection(await dataPlaneBench(stack, 'probe', serverPid)));
    }
    // With the worker stopped, the submissions made meanwhile are only accepted, not run.
    await stack.stopWorkers();
    const deps = { config: stack.config, database: stack.database, temporal: stack.client };
    if (want.has('security')) sections.set('security', securitySection(await securityBench({ ...deps, spec: smallSpec })));
    if (want.has('console')) sections.set('console', consoleSection(await consoleBench(deps)));
    if (want.has('lineage')) sections.set('lineage', lineageSection(await lineageBench(stack.database.db), stack.kind));
    return stack.kind;
  } finally {
    await stack.close();
  }
}

async function main() {
  installRuntime({ logLevel: 'warn' });
  const want = chosen(process.argv);
  const sections = new Map<Benchmark, string>();
  let database = ON_THE_STACK.some((b) => want.has(b)) ? await onTheStack(want, sections) : 'none';
  if (want.has('drift')) sections.set('drift', driftSection(await driftBench()));
  if (want.has('training')) sections.set('training', trainingSection(await trainingBench()));
  // Its own database and worker processes (the training pool's, counted and measured), after the shared stack has stopped.
  if (want.has('scoring')) {
    const scoring = await scoringBench(process.env.TEMPORAL_ADDRESS!, process.env.CUSTODY_BENCH_TEMPORAL_PID ? Number(process.env.CUSTODY_BENCH_TEMPORAL_PID) : undefined);
    sections.set('scoring', scoringSection(scoring));
    if (database === 'none' && !('skipped' in scoring)) database = 'PostgreSQL';
  }
  if (want.has('claims')) {
    const claims = await claimsBench(process.env.TEMPORAL_ADDRESS!);
    sections.set('claims', claimsSection(claims));
    if (database === 'none' && !('skipped' in claims)) database = 'PostgreSQL';
  }
  if (want.has('search')) sections.set('search', searchSection(searchBench()));
  if (want.has('adaptive-search')) sections.set('adaptive-search', adaptiveSearchSection(await adaptiveSearchBench()));
  if (want.has('explain')) sections.set('explain', explainSection(explainBench()));
  if (want.has('command-serving')) sections.set('command-serving', commandServingSection(await commandServingBench()));
  const ordered = BENCHMARKS.filter((b) => sections.has(b)).map((b) => sections.get(b)!);
  const report = writeReport(path.join(PROJECT_ROOT, 'BENCHMARKS.md'), ordered, { whole: want.size === BENCHMARKS.length, machine: machineLine(database) });
  process.stdout.write(`${report}\ncustody: wrote BENCHMARKS.md\n`);
}

await main();
