import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TokensService } from '../api/access/tokens.service.js';
import { createApiApp } from '../api/bootstrap.js';
import { loadConfig } from '../config.js';
import { createRepositories } from '../db/repositories/index.js';
import { seededRandom } from '../domain/random.js';
import { parsePipelineSpec } from '../domain/pipeline/spec.js';
import { pipelineStart } from '../domain/pipeline/start.js';
import { PROJECT_ROOT } from '../paths.js';
import { openArtifactStore } from '../storage/open-store.js';
import { registerDatasetFile } from '../storage/register-dataset.js';
import type { pipeline } from '../workflows/pipeline/pipeline.js';
import { startWorkerProcess, type StartedProcess } from './processes.js';
import { writeLines } from './scoring-data.js';
import { openBenchDatabase } from './stack.js';

// The batch-scoring issue's end-to-end case as a user runs it: a claims model in production scores a million open
// policies from the CLI (`custody score … --wait`), through the API, on worker processes; the job's output is a
// dataset version with lineage, a rejects file and a drift report.

const ROWS = 1_000_000;
/** One row in this many has an age that is not a number: the model's input checks reject it. */
const BAD_EVERY = 2_000;
/** This year's policies drive more: mileage up by a fifth, which the drift report should find. */
const MILEAGE_SHIFT = 1.2;
const CLAIMS_CSV = path.join(PROJECT_ROOT, 'examples', 'claims-private', 'claims.csv');

export type ClaimsFigures =
  | { skipped: string }
  | {
      rows: number;
      fileBytes: number;
      exitCode: number;
      wallMs: number;
      job: ClaimsJob;
      rejectLines: number;
      firstReject: string;
      lineage: string[];
      stderrTail: string;
    };

interface ClaimsJob {
  id: string;
  status: string;
  rows: number;
  scored: number;
  rejected: number;
  rejectsSha256: string | null;
  outputDatasetVersion: { id: string; datasetName: string; version: number; rowCount: number } | null;
  driftReport: { status: string; driftedFeatures: string[] } | null;
}

/** The whole case: a few minutes. */
export async function claimsBench(address: string): Promise<ClaimsFigures> {
  const database = await openBenchDatabase();
  if (!database.url) {
    await database.drop();
    return { skipped: 'it needs PostgreSQL, which the worker processes share; none was reachable' };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-bench-claims-'));
  const env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: `bench-claims-${randomBytes(4).toString('hex')}`, CUSTODY_DATA_DIR: path.join(dir, 'data'), CUSTODY_IMPORT_DIR: PROJECT_ROOT };
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const client = new Client({ connection: await Connection.connect({ address }) });
  const app = await createApiApp({ config: { ...config, logLevel: 'error' }, database: database.database, temporal: client });
  const processes: StartedProcess[] = [];
  try {
    await app.listen(0, '127.0.0.1');
    const api = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const { token } = await app.get(TokensService).create({ name: 'claims-team@example.com', role: 'submitter' }, 'bench');
    const deps = { repos: createRepositories(database.database.db), store: openArtifactStore(config.artifacts) };
    await registerDatasetFile(deps, { name: 'claims', file: CLAIMS_CSV, format: 'csv', metadata: { source: 'examples/claims-private' }, actor: 'bench' });
    const policies = path.join(dir, 'open-policies.csv');
    const fileBytes = await writePolicies(policies);
    await registerDatasetFile(deps, { name: 'open-policies', file: policies, format: 'csv', metadata: { source: 'the claims benchmark' }, actor: 'bench' });
    rmSync(policies);
    processes.push(await startWorkerProcess(env, 'orchestration'), await startWorkerProcess(env, 'training'));
    await trainClaims(client, env.TEMPORAL_TASK_QUEUE);
    return { rows: ROWS, fileBytes, ...(await scoreFromCli(api, token, dir)) };
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await app.close();
    await client.connection.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A million policies drawn from the example's, without the claim, each with its id; a few with an unreadable age. */
async function writePolicies(file: string): Promise<number> {
  const [header, ...lines] = readFileSync(CLAIMS_CSV, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  const [claim, age, mileage] = ['claim', 'age', 'annual_mileage'].map((c) => columns.indexOf(c));
  const random = seededRandom(7);
  function* rows() {
    yield `policy_id,${columns.filter((_, i) => i !== claim).join(',')}\n`;
    for (let id = 1; id <= ROWS; id++) {
      const cells = lines[Math.floor(random() * lines.length)]!.split(',');
      cells[mileage!] = String(Math.round(Number(cells[mileage!]) * MILEAGE_SHIFT));
      if (id % BAD_EVERY === 0) cells[age!] = 'unknown';
      yield `${id},${cells.filter((_, i) => i !== claim).join(',')}\n`;
    }
  }
  return await writeLines(file, rows());
}

/** The claims model: boosted trees on the example's policies, with its sensitive columns declared, in production. */
async function trainClaims(client: Client, taskQueue: string): Promise<void> {
  const parsed = parsePipelineSpec({
    name: 'claims',
    dataset: { name: 'claims', version: 'latest', sensitiveColumns: ['age', 'credit_score', 'region'] },
    task: 'classification',
    target: 'claim',
    // Credit scores and sales channels are missing for a few policies, as in the example: the trainer imputes them.
    validation: { maxMissingFraction: 0.1 },
    training: { trainer: 'gradient-boosting', seed: 0, params: { maxIter: 100 } },
    evaluation: { primaryMetric: 'rocAuc', champion: { enabled: false } },
    deployment: { production: {} },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const start = pipelineStart({ id: randomUUID(), spec: parsed.spec, submittedBy: 'claims-team@example.com', purpose: 'release', trigger: 'manual', parentRunId: null, driftReportId: null });
  const result = await client.workflow.execute<typeof pipeline>('pipeline', { taskQueue, ...start });
  if (result.status !== 'succeeded') throw new Error(`training the claims model ended ${result.status}: ${result.reasons.join('; ')}`);
}

const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
const JOB = `query($id: ID!) { scoringJob(input: { id: $id }) { id status rows scored rejected rejectsSha256
  outputDatasetVersion { id datasetName version rowCount } driftReport { status driftedFeatures } } }`;
const LINEAGE = 'query($id: ID!) { lineage(input: { nodeId: $id, direction: UPSTREAM, depth: 2 }) { nodes { id type } edges { fromId toId relation } } }';

/** `custody score claims --dataset open-policies --id-column policy_id --monitoring --wait -o json`, as a user types it. */
async function scoreFromCli(api: string, token: string, dir: string) {
  const args = [CLI, 'score', 'claims', '--dataset', 'open-policies', '--id-column', 'policy_id', '--monitoring', '--wait', '-o', 'json'];
  const started = performance.now();
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, args, { env: { PATH: process.env.PATH!, HOME: dir, CUSTODY_URL: api, CUSTODY_TOKEN: token }, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
  const wallMs = performance.now() - started;
  const { id } = JSON.parse(run.stdout) as { id: string };
  const graphql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(`${api}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    return ((await response.json()) as { data: T }).data;
  };
  const { scoringJob: job } = await graphql<{ scoringJob: ClaimsJob }>(JOB, { id });
  const rejects = job.rejectsSha256 ? await (await fetch(`${api}/v1/scoring-jobs/${id}/rejects`, { headers: { authorization: `Bearer ${token}` } })).text() : '';
  const lineage = job.outputDatasetVersion
    ? (await graphql<{ lineage: { nodes: { id: string; type: string }[]; edges: { fromId: string; toId: string; relation: string }[] } }>(LINEAGE, { id: job.outputDatasetVersion.id })).lineage
    : { nodes: [], edges: [] };
  const typeOf = new Map(lineage.nodes.map((n) => [n.id, n.type]));
  return {
    exitCode: run.code,
    wallMs,
    job,
    rejectLines: rejects.trim() === '' ? 0 : rejects.trim().split('\n').length - 1,
    firstReject: rejects.trim().split('\n')[1] ?? '',
    lineage: lineage.edges.map((e) => `${typeOf.get(e.fromId)} —${e.relation}→ ${typeOf.get(e.toId)}`).sort(),
    stderrTail: run.stderr.trim().split('\n').at(-1) ?? '',
  };
}

export function claimsSection(figures: ClaimsFigures): string {
  if ('skipped' in figures) return `## A claims model scores a million policies from the CLI\n\nNot measured: ${figures.skipped}.\n`;
  const { job } = figures;
  const output = job.outputDatasetVersion;
  return `## A claims model scores a million policies from the CLI

The batch-scoring case end to end, as a user runs it: a claims model (boosted trees, 100 rounds, trained by a pipeline on the example's 6,000 policies with age, credit score and region declared sensitive, deployed to production) scores ${figures.rows.toLocaleString('en')} open policies (${Math.round(figures.fileBytes / 2 ** 20)} MB of CSV, registered as the dataset \`open-policies\`; drawn from the example's policies with their mileage up by a fifth, and one row in ${BAD_EVERY.toLocaleString('en')} with an age that is not a number) by

\`\`\`
custody score claims --dataset open-policies --id-column policy_id --monitoring --wait -o json
\`\`\`

through the API, on one orchestration and one training worker process, with the job's defaults (50,000-row chunks, 4 at a time).

| | |
| --- | --- |
| exit code | ${figures.exitCode} |
| the command's time, start to end | ${(figures.wallMs / 1000).toFixed(1)} s |
| status | ${job.status} |
| rows read, scored, rejected | ${job.rows.toLocaleString('en')}, ${job.scored.toLocaleString('en')}, ${job.rejected.toLocaleString('en')} |
| rejects file (\`GET /v1/scoring-jobs/{id}/rejects\`) | ${job.rejectsSha256 ? `\`${job.rejectsSha256.slice(0, 12)}…\`, ${figures.rejectLines.toLocaleString('en')} rows with their row number and reason; the first: \`${figures.firstReject}\`` : 'none'} |
| output | ${output ? `dataset version \`${output.datasetName}@${output.version}\`, ${output.rowCount.toLocaleString('en')} rows` : 'none'} |
| drift report of the scored rows | ${job.driftReport ? `${job.driftReport.status}; drifted: ${job.driftReport.driftedFeatures.join(', ') || 'none'}` : 'none'} |
| lineage upstream of the output | ${figures.lineage.join('; ')} |

The CLI's last line on stderr: \`${figures.stderrTail}\`.
`;
}
