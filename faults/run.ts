import { Client, Connection } from '@temporalio/client';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { PROJECT_ROOT } from '../paths.js';
import { startCluster, type Cluster } from './cluster.js';
import { FAULT_KINDS, injectFaults, type FaultKind } from './faults.js';
import { checkInvariants, type InvariantResult } from './invariants.js';
import { call, startLoad, type LoadStats } from './load.js';
import { startRetraining } from './retraining.js';
import { startFlakyReceiver, subscribe } from './webhooks.js';

export interface SuiteOptions {
  seed: number;
  faults: number;
  submissions: number;
  /** How long the load and the faults are spread over. */
  spreadMs: number;
  workers: number;
  temporalCli: string;
  toxiproxyApi: string;
  adminUrl: string;
  log?: (line: string) => void;
}

export interface SuiteReport {
  options: Omit<SuiteOptions, 'temporalCli' | 'toxiproxyApi' | 'adminUrl' | 'log'>;
  faults: Record<FaultKind, number>;
  load: Omit<LoadStats, 'acknowledged'> & { acknowledged: number };
  /** Retrain schedules made and triggered by hand, and events the webhook receiver saw. */
  extra: { schedules: number; triggers: number; retrainings: number; webhookEvents: number };
  invariants: InvariantResult[];
  violations: number;
  activeSeconds: number;
}

/**
 * Waits until every acknowledged run has ended (the load decides gates meanwhile), or the deadline passes: each is
 * recorded (its workflow writes its row, which may come after the acknowledgement), no row is still open, and no
 * pipeline workflow still runs (a resumed run's row reads cancelled until its new execution's first write).
 */
async function settle(cluster: Cluster, ids: string[], deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  const connection = await Connection.connect({ address: cluster.temporalAddress });
  const client = new Client({ connection });
  try {
    while (Date.now() < deadline) {
      if (ids.length > 0 && (await settled(cluster, client, ids))) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await connection.close();
  }
}

async function settled(cluster: Cluster, client: Client, ids: string[]): Promise<boolean> {
  const list = ids.map((id) => `'${id}'`).join(', ');
  const [row] = (await cluster.database.db.execute(
    sql.raw(`select count(*) filter (where id in (${list}))::int as recorded, count(*) filter (where status in ('running', 'awaiting_approval'))::int as open from pipeline_runs`),
  )) as unknown as { recorded: number; open: number }[];
  if (row!.recorded < ids.length || row!.open > 0) return false;
  const running = await client.workflow.count(`WorkflowType = 'pipeline' AND ExecutionStatus = 'Running' AND TaskQueue = '${cluster.taskQueue}'`).catch(() => ({ count: 1 }));
  return running.count === 0;
}

/** One run of the suite: the stack up, load and faults together, everything settled, every invariant checked. */
export async function runFaultSuite(options: SuiteOptions): Promise<SuiteReport> {
  const log = options.log ?? (() => {});
  const cluster = await startCluster({ temporalCli: options.temporalCli, toxiproxyApi: options.toxiproxyApi, adminUrl: options.adminUrl, workers: options.workers });
  try {
    await call(cluster, 'engineer@faults.test', 'mutation { registerDataset(input: { name: "iris", file: "examples/iris/iris.csv" }) { version } }');
    const receiver = await startFlakyReceiver(options.seed);
    try {
      const since = await subscribe(cluster, receiver.url);
      const started = Date.now();
      const load = startLoad(cluster, { submissions: options.submissions, spreadMs: options.spreadMs, seed: options.seed });
      const retraining = startRetraining(cluster, { spreadMs: options.spreadMs, seed: options.seed });
      const [faults] = await Promise.all([injectFaults(cluster, { count: options.faults, spreadMs: options.spreadMs, seed: options.seed, log }), load.submissions]);
      const activeSeconds = (Date.now() - started) / 1000;
      log(`faults done; ${load.stats.acknowledged.length} submissions acknowledged; settling`);
      await retraining.stop();
      await settle(cluster, load.stats.acknowledged.map((a) => a.runId), 300_000);
      log(`settled after ${Math.round((Date.now() - started) / 1000 - activeSeconds)} s`);
      await load.stop();
      if (load.stats.lastSteeringError) log(`the gate deciders last failed with: ${load.stats.lastSteeringError}`);
      const invariants = await checkInvariants(cluster, load.stats.acknowledged, { predictionIds: load.predictionIds, labelled: load.stats.labelled, webhooks: { since, attempts: receiver.attempts } });
      const [{ retrainings }] = (await cluster.database.db.execute(sql.raw(`select count(*)::int as retrainings from pipeline_runs where trigger = 'retrain'`))) as unknown as { retrainings: number }[];
      return reportOf(options, faults, load.stats, { ...retraining.stats, retrainings: retrainings!, webhookEvents: receiver.attempts.size }, invariants, activeSeconds);
    } finally {
      await receiver.close();
    }
  } finally {
    await cluster.stop();
  }
}

function reportOf(options: SuiteOptions, faults: Record<FaultKind, number>, stats: LoadStats, extra: SuiteReport['extra'], invariants: InvariantResult[], activeSeconds: number): SuiteReport {
  const { acknowledged, ...rest } = stats;
  return {
    options: { seed: options.seed, faults: options.faults, submissions: options.submissions, spreadMs: options.spreadMs, workers: options.workers },
    faults,
    load: { ...rest, acknowledged: acknowledged.length },
    extra,
    invariants,
    violations: invariants.reduce((sum, i) => sum + i.violations.length, 0),
    activeSeconds,
  };
}

/** The report as Markdown tables: faults by kind, operations, invariants, and the load held. */
export function reportMarkdown(report: SuiteReport): string {
  const faults = FAULT_KINDS.map((k) => `| ${k} | ${report.faults[k]} |`).join('\n');
  const invariants = report.invariants.map((i) => `| ${i.invariant} | ${i.checked} | ${i.violations.length} |`).join('\n');
  const perMinute = (report.load.acknowledged / report.activeSeconds) * 60;
  const perSecond = report.load.predictions / report.activeSeconds;
  return [
    `Seed ${report.options.seed}: ${report.options.submissions} submissions and ${report.options.faults} faults over ${Math.round(report.options.spreadMs / 1000)} s, ${report.options.workers} worker processes.`,
    '',
    '| fault | injected |',
    '|---|---:|',
    faults,
    `| **total** | **${Object.values(report.faults).reduce((a, b) => a + b, 0)}** |`,
    '',
    '| operations | count |',
    '|---|---:|',
    `| submissions acknowledged | ${report.load.acknowledged} |`,
    `| submissions unanswered (the API died mid-request) | ${report.load.unanswered} |`,
    `| gate decisions acknowledged | ${report.load.decisions} |`,
    `| runs cancelled mid-training, then resumed | ${report.load.resumed} |`,
    `| predictions acknowledged | ${report.load.predictions} |`,
    `| feedback acknowledged | ${report.load.labelled.length} |`,
    `| retrain schedules made, then triggered by hand | ${report.extra.schedules}, ${report.extra.triggers} |`,
    `| retrainings run (each through the same gates) | ${report.extra.retrainings} |`,
    `| webhook events received (the receiver fails one request in five) | ${report.extra.webhookEvents} |`,
    '',
    '| invariant | checked | violations |',
    '|---|---:|---:|',
    invariants,
    `| **total** | | **${report.violations}** |`,
    '',
    `Load held with faults on: ${perMinute.toFixed(1)} submissions a minute and ${perSecond.toFixed(1)} predictions a second, acknowledged over the ${Math.round(report.activeSeconds)} s of faults.`,
    ...report.invariants.flatMap((i) => i.violations.map((v) => `\n- violation of "${i.invariant}": ${v}`)),
  ].join('\n');
}

const FINDINGS = '## What it found';

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runFaultSuite({
    seed: flag('seed', 1),
    faults: flag('faults', 50),
    submissions: flag('submissions', 200),
    spreadMs: flag('seconds', 600) * 1000,
    workers: flag('workers', 3),
    temporalCli: process.env.TEMPORAL_CLI!,
    toxiproxyApi: process.env.TOXIPROXY_API!,
    adminUrl: process.env.FAULTS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    log: (line) => process.stdout.write(`faults: ${line}\n`),
  });
  const markdown = reportMarkdown(report);
  process.stdout.write(`\n${markdown}\n`);
  if (process.argv.includes('--report')) {
    const header = '# Reliability\n\nWritten by `npm run faults`: the whole stack as separate processes (Temporal persisted to a file, a PostgreSQL server of its own, the API, worker processes) behind Toxiproxy, under concurrent load, with faults of nine kinds injected at seeded random times; then every invariant checked over what was acknowledged. Violations must be 0. A seeded slice of ten faults runs in `npm test` (`test/faults/slice.test.ts`).\n\n';
    // The table is rewritten; the findings written by hand below it stay.
    const file = path.join(PROJECT_ROOT, 'RELIABILITY.md');
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const findings = previous.includes(FINDINGS) ? previous.slice(previous.indexOf(FINDINGS)) : '';
    writeFileSync(file, `${header}${markdown}\n${findings ? `\n${findings}` : ''}`);
  }
  process.exit(report.violations === 0 ? 0 : 1);
}
