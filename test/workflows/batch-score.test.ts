import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { loadArtifact, predictRows } from '../../ml/predict.js';
import { openArtifactStore } from '../../storage/open-store.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { Row } from '../../storage/read-rows.js';
import { recordHistory } from '../support/histories.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const IRIS = readFileSync('examples/iris/iris.csv', 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
const JOB_FIELDS = 'id status chunksTotal chunksDone rows scored rejected rejectsSha256 outputDatasetVersion { id sha256 version datasetName } modelVersion { id version } error { type message details }';

interface Job {
  id: string;
  status: string;
  chunksTotal: number;
  chunksDone: number;
  rows: number;
  scored: number;
  rejected: number;
  rejectsSha256: string | null;
  outputDatasetVersion: { id: string; sha256: string; version: number; datasetName: string } | null;
  modelVersion: { id: string; version: number };
  error: { type: string; message: string; details: unknown } | null;
}

/** `count` iris rows without their species, each with an id (some needing CSV quotes), and `bad` rows' petal_length made text. */
function scoringCsv(count: number, bad: ReadonlySet<number> = new Set()): string {
  const lines = ['flower_id,sepal_length,sepal_width,petal_length,petal_width'];
  for (let i = 1; i <= count; i++) {
    const [a, b, c, d] = IRIS[(i * 7) % IRIS.length]!;
    const id = i % 10 === 0 ? `"f-${i}, ""quoted"""` : `f-${i}`;
    lines.push([id, a, b, bad.has(i) ? 'tall' : c, d].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The rows of `csv` with `column` moved by `by`. */
function shifted(csv: string, column: string, by: number): string {
  const [header, ...lines] = csv.trim().split('\n');
  const at = header!.split(',').indexOf(column);
  // The quoted ids hold a comma: shift the field counted from the end, which no id reaches.
  const fromEnd = header!.split(',').length - at;
  return `${[header, ...lines.map((line) => { const f = line.split(','); f[f.length - fromEnd] = String(Number(f[f.length - fromEnd]) + by); return f.join(','); })].join('\n')}\n`;
}

const DRIFT_FIELDS = 'driftReport { id status rows scoringJobId workflowId driftedFeatures features { name drifted ksPValue psi } prediction { currentCount } }';
interface Drift {
  id: string;
  status: string;
  rows: number;
  scoringJobId: string;
  workflowId: string;
  driftedFeatures: string[];
  features: { name: string; drifted: boolean; ksPValue: number | null; psi: number }[];
  prediction: { currentCount: number } | null;
}

describe('batch scoring', () => {
  let stack: TestStack;
  let store: ArtifactStore;
  const startsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'custody-scoring-')), 'starts');

  const release = async (name: string, change: (s: PipelineSpecInput) => void) => {
    const spec = exampleSpec('iris') as PipelineSpecInput;
    spec.name = name;
    spec.model = name;
    spec.gates = [];
    spec.deployment = { production: {} };
    change(spec);
    const response = await stack.api.gql<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } });
    const id = response.data!.submitPipeline.id;
    await eventually(async () => (await stack.api.gql<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id })).data!.pipelineRun.status, (s) => s === 'succeeded', 90_000);
  };
  const register = async (name: string, content: string) =>
    (await stack.api.gql<{ registerDataset: { id: string } }>('mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { id } }', { input: { name, content, format: 'csv' } })).data!.registerDataset;
  const score = (input: Record<string, unknown>) => stack.api.gql<{ scoreDataset: Job }>(`mutation($input: ScoreDatasetInput!) { scoreDataset(input: $input) { ${JOB_FIELDS} } }`, { input });
  const finished = (id: string) =>
    eventually(async () => (await stack.api.gql<{ scoringJob: Job }>(`query($id: ID!) { scoringJob(input: { id: $id }) { ${JOB_FIELDS} } }`, { id })).data!.scoringJob, (job) => job.status !== 'running', 90_000);
  const driftOf = async (id: string) =>
    (await stack.api.gql<{ scoringJob: { driftReport: Drift } }>(`query($id: ID!) { scoringJob(input: { id: $id }) { ${DRIFT_FIELDS} } }`, { id })).data!.scoringJob.driftReport;
  const csvOf = async (sha256: string) => parse(await store.read(sha256), { columns: true }) as Record<string, string>[];

  beforeAll(async () => {
    stack = await startStack();
    store = openArtifactStore(stack.config.artifacts, stack.config.encryption?.keyring);
    await release('scorer', (s) => (s.training = { trainer: 'random-forest', seed: 42, search: { strategy: 'grid', space: { nEstimators: [20], maxDepth: [4] } } }));
    await register('to-score', scoringCsv(1050));
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('scores a file of several chunks exactly as the model predicts, row for row and in input order', { timeout: 120_000 }, async () => {
    const response = await score({ model: 'scorer', dataset: 'to-score', idColumns: ['flower_id'], chunkRows: 100, parallelism: 3 });
    expect(response.errors).toBeUndefined();
    const job = await finished(response.data!.scoreDataset.id);
    expect([job.status, job.chunksTotal, job.chunksDone, job.rows, job.scored, job.rejected, job.rejectsSha256]).toEqual(['succeeded', 11, 11, 1050, 1050, 0, null]);
    expect(job.outputDatasetVersion!.datasetName).toBe('scorer-scores');

    const output = await csvOf(job.outputDatasetVersion!.sha256);
    const input = parse(scoringCsv(1050), { columns: true }) as Record<string, string>[];
    const version = await stack.api.gql<{ model: { versions: { version: number; artifactSha256: string }[] } }>('{ model(input: { name: "scorer" }) { versions { version artifactSha256 } } }');
    const artifact = await loadArtifact(store, version.data!.model.versions[0]!.artifactSha256);
    const expected = await predictRows(store, artifact, input.map((r) => ({ ...r, sepal_length: Number(r.sepal_length), sepal_width: Number(r.sepal_width), petal_length: Number(r.petal_length), petal_width: Number(r.petal_width) }) as Row));
    expect(Object.keys(output[0]!)).toEqual(['row', 'flower_id', 'prediction', ...artifact.classes!.map((c) => `probability_${c}`), 'model_version']);
    expect(output.map((r) => Number(r.row))).toEqual(input.map((_, i) => i + 1));
    expect(output.map((r) => r.flower_id)).toEqual(input.map((r) => r.flower_id));
    expect(output.map((r) => r.prediction)).toEqual(expected.values);
    expect(output.map((r) => artifact.classes!.map((c) => Number(r[`probability_${c}`])))).toEqual(expected.probabilities);
    expect(new Set(output.map((r) => r.model_version))).toEqual(new Set([String(job.modelVersion.version)]));
    recordHistory(`score-${job.id}`, 'batch-score-succeeded');
  });

  it('writes the rejects file, and fails past maxRejectedFraction naming it', { timeout: 120_000 }, async () => {
    await register('with-bad-rows', scoringCsv(300, new Set([5, 77, 250, 299])));
    const tolerant = await finished((await score({ model: 'scorer', dataset: 'with-bad-rows', chunkRows: 100, maxRejectedFraction: 0.05, monitoring: true })).data!.scoreDataset.id);
    expect([tolerant.status, tolerant.rows, tolerant.scored, tolerant.rejected]).toEqual(['succeeded', 300, 296, 4]);
    // The scored population is what drift judges: the rejected rows are not in it.
    const drift = await driftOf(tolerant.id);
    expect([drift.rows, drift.prediction!.currentCount, drift.scoringJobId]).toEqual([296, 296, tolerant.id]);
    const rejects = await csvOf(tolerant.rejectsSha256!);
    expect(rejects).toEqual([5, 77, 250, 299].map((row) => ({ row: String(row), reason: 'petal_length must be a number (got "tall")' })));
    expect((await csvOf(tolerant.outputDatasetVersion!.sha256)).map((r) => Number(r.row))).not.toContain(77);

    await downloadsAsTheyWereWritten(tolerant);

    const strict = await finished((await score({ model: 'scorer', dataset: 'with-bad-rows', chunkRows: 100 })).data!.scoreDataset.id);
    expect([strict.status, strict.error!.type, strict.outputDatasetVersion]).toEqual(['failed', 'TooManyRejected', null]);
    expect(strict.error!.message).toContain(`4 of 300 rows (1.33%) were rejected, more than maxRejectedFraction 0.01; the rejects file ${tolerant.rejectsSha256}`);
    expect(strict.rejectsSha256).toBe(tolerant.rejectsSha256);
    const trail = await stack.api.gql<{ auditTrail: { nodes: { action: string; actor: string }[] } }>('query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action actor } } }', { id: strict.id });
    expect(trail.data!.auditTrail.nodes.map((e) => `${e.actor} ${e.action}`).sort()).toEqual(['engineer@example.com scoring.started', 'system:scoring scoring.failed']);
    recordHistory(`score-${strict.id}`, 'batch-score-too-many-rejected');
  });

  /** GET with `as`'s token (none for null) from the API's REST routes. */
  const download = (route: string, as: string | null = 'engineer@example.com') =>
    fetch(new URL(route, stack.api.url), { headers: as ? { authorization: `Bearer ${stack.api.tokens[as]}` } : {} });

  /** The scores and the rejects come back through the API byte for byte, to submitters only, and each download is audited. */
  async function downloadsAsTheyWereWritten(job: Job) {
    const output = job.outputDatasetVersion!;
    const scores = await download(`/v1/datasets/${output.datasetName}/versions/${output.version}`);
    expect([scores.status, scores.headers.get('x-custody-sha256'), scores.headers.get('content-disposition')]).toEqual([200, output.sha256, `attachment; filename="${output.datasetName}-v${output.version}.csv"`]);
    expect(await scores.text()).toBe((await store.read(output.sha256)).toString('utf8'));
    const rejects = await download(`/v1/scoring-jobs/${job.id}/rejects`);
    expect([rejects.status, rejects.headers.get('x-custody-sha256')]).toEqual([200, job.rejectsSha256]);
    expect(await rejects.text()).toBe((await store.read(job.rejectsSha256!)).toString('utf8'));
    // Rows read back whole are for those who may register and score them; a viewer sees profiles and lineage.
    expect((await download(`/v1/scoring-jobs/${job.id}/rejects`, 'viewer@example.com')).status).toBe(403);
    expect((await download(`/v1/datasets/${output.datasetName}/versions/latest`, 'viewer@example.com')).status).toBe(403);
    expect((await download(`/v1/datasets/${output.datasetName}/versions/latest`, null)).status).toBe(401);
    const refused = await download(`/v1/datasets/${output.datasetName}/versions/0`);
    expect([refused.status, await refused.json()]).toEqual([400, { error: { code: 'BAD_USER_INPUT', message: 'version must be a whole number from 1, or latest', issues: [{ path: 'version', message: 'must be a whole number from 1, or latest' }] } }]);
    expect((await download(`/v1/datasets/${output.datasetName}/versions/99`)).status).toBe(404);
    expect((await download(`/v1/scoring-jobs/not-a-job/rejects`)).status).toBe(400);
    const trail = async (id: string) => (await stack.api.data<{ auditTrail: { nodes: { action: string; actor: string }[] } }>('query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action actor } } }', { id })).auditTrail.nodes;
    expect(await trail(output.id)).toContainEqual({ action: 'dataset.downloaded', actor: 'engineer@example.com' });
    expect(await trail(job.id)).toContainEqual({ action: 'scoring.rejects_downloaded', actor: 'engineer@example.com' });
  }

  it('judges the scored rows against the training reference when asked: a moved feature drifts, the others do not', { timeout: 120_000 }, async () => {
    await register('moved', shifted(scoringCsv(1050), 'petal_width', 1.5));
    const [plain, moved] = await Promise.all(
      ['to-score', 'moved'].map(async (dataset) => finished((await score({ model: 'scorer', dataset, chunkRows: 300, monitoring: true })).data!.scoreDataset.id)),
    );
    expect([plain!.status, moved!.status]).toEqual(['succeeded', 'succeeded']);
    const [same, drifted] = [await driftOf(plain!.id), await driftOf(moved!.id)];
    expect([same.status, same.rows, same.driftedFeatures, same.scoringJobId, same.workflowId]).toEqual(['ok', 1050, [], plain!.id, `score-${plain!.id}`]);
    expect(drifted.status).toBe('drift');
    expect(drifted.driftedFeatures).toContain('petal_width');
    expect(drifted.driftedFeatures).not.toContain('sepal_length');
    expect(drifted.features.find((f) => f.name === 'petal_width')!.ksPValue).toBeLessThan(1e-6);
    // The model's reports list it beside those of served traffic; without monitoring, a job makes none.
    const listed = await stack.api.gql<{ driftReports: { nodes: { id: string }[] } }>('{ driftReports(input: { model: "scorer" }) { nodes { id } } }');
    expect(listed.data!.driftReports.nodes.map((n) => n.id)).toEqual(expect.arrayContaining([same.id, drifted.id]));
    const first = (await stack.api.gql<{ scoringJobs: { nodes: { id: string; driftReport: unknown }[] } }>('{ scoringJobs(input: { model: "scorer", first: 100 }) { nodes { id driftReport { id } } } }')).data!.scoringJobs.nodes.at(-1)!;
    expect(first.driftReport).toBeNull();
    recordHistory(`score-${moved!.id}`, 'batch-score-monitored');
  });

  it('walks lineage from the output dataset version to the scoring job, the model version and the input', { timeout: 60_000 }, async () => {
    const jobs = await stack.api.gql<{ scoringJobs: { nodes: { id: string; status: string; outputDatasetVersion: { id: string } | null; modelVersion: { id: string }; inputDatasetVersion: { id: string } }[] } }>(
      '{ scoringJobs(input: { model: "scorer" }) { nodes { id status outputDatasetVersion { id } modelVersion { id } inputDatasetVersion { id } } } }',
    );
    const job = jobs.data!.scoringJobs.nodes.find((j) => j.status === 'succeeded')!;
    const lineage = await stack.api.gql<{ lineage: { nodes: { id: string; type: string }[]; edges: { fromId: string; toId: string; relation: string }[] } }>(
      'query($id: ID!) { lineage(input: { nodeId: $id, direction: UPSTREAM, depth: 2 }) { nodes { id type } edges { fromId toId relation } } }',
      { id: job.outputDatasetVersion!.id },
    );
    expect(lineage.errors).toBeUndefined();
    const edges = lineage.data!.lineage.edges.map((e) => [e.fromId, e.relation, e.toId]);
    expect(edges).toEqual(
      expect.arrayContaining([
        [job.id, 'scored_as', job.outputDatasetVersion!.id],
        [job.modelVersion.id, 'scored_with', job.id],
        [job.inputDatasetVersion.id, 'input_of', job.id],
      ]),
    );
    expect(lineage.data!.lineage.nodes.find((n) => n.id === job.id)!.type).toBe('scoring_job');
  });

  it('refuses a request it cannot run with an error naming the field, and starts nothing', { timeout: 60_000 }, async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ model: 'nope', dataset: 'to-score' }, 'input.model', /names no registered model/],
      [{ model: 'scorer', version: 99, dataset: 'to-score' }, 'input.version', /names no version of scorer/],
      [{ model: 'scorer', dataset: 'nope' }, 'input.dataset', /names no dataset version/],
      [{ model: 'scorer', dataset: 'to-score', chunkRows: 5 }, 'input.chunkRows', /100/],
      [{ model: 'scorer', dataset: 'to-score', idColumns: ['prediction'] }, 'input.idColumns', /names columns the dataset does not have|output column/],
      [{ model: 'scorer', dataset: 'to-score', heartbeatTimeout: '1s' }, 'input.heartbeatTimeout', /between 5s and 1h/],
      [{ model: 'scorer', dataset: 'scorer-scores' }, 'input.dataset', /lacks the model's features sepal_length, sepal_width, petal_length, petal_width/],
    ];
    const before = (await stack.api.gql<{ scoringJobs: { nodes: unknown[] } }>('{ scoringJobs(input: { first: 100 }) { nodes { id } } }')).data!.scoringJobs.nodes.length;
    for (const [input, field, reason] of cases) {
      const response = await score(input);
      const issues = (response.errors?.[0]?.extensions as { issues?: { path: string; message: string }[] } | undefined)?.issues;
      expect(issues?.[0]?.path, JSON.stringify(input)).toBe(field);
      expect(issues?.[0]?.message).toMatch(reason);
    }
    expect((await stack.api.gql<{ scoringJobs: { nodes: unknown[] } }>('{ scoringJobs(input: { first: 100 }) { nodes { id } } }')).data!.scoringJobs.nodes).toHaveLength(before);
  });

  it('scores a command model through its warm serving process, one for the whole job', { timeout: 180_000 }, async () => {
    await release('nearest-mean', (s) => {
      s.training = { trainer: 'command', command: ['node', 'test/fixtures/nearest-mean-model.mjs'], params: { startsFile } };
      s.evaluation = { primaryMetric: 'accuracy', thresholds: {}, champion: { enabled: false } };
    });
    // Evaluation predicted with a process per call; from here on, every start is the scoring job's.
    const before = readFileSync(startsFile, 'utf8').trim().split('\n').length;
    const job = await finished((await score({ model: 'nearest-mean', dataset: 'to-score', chunkRows: 200, parallelism: 2 })).data!.scoreDataset.id);
    expect([job.status, job.chunksTotal, job.scored, job.error]).toEqual(['succeeded', 6, 1050, null]);
    const starts = readFileSync(startsFile, 'utf8').trim().split('\n').slice(before);
    expect(starts.filter((s) => s.startsWith('serve'))).toHaveLength(1);
    expect(starts.filter((s) => s.startsWith('predict'))).toEqual([]);
    const output = await csvOf(job.outputDatasetVersion!.sha256);
    expect(new Set(output.map((r) => r.prediction))).toEqual(new Set(['setosa', 'versicolor', 'virginica']));
    // The model gives no probabilities: their columns are there, and empty.
    expect(Object.keys(output[0]!)).toEqual(['row', 'prediction', 'probability_setosa', 'probability_versicolor', 'probability_virginica', 'model_version']);
    expect(new Set(output.map((r) => r.probability_setosa))).toEqual(new Set(['']));
  });

  it('cancels a running job: its chunks stop, it ends cancelled with nothing registered, and the request is audited', { timeout: 180_000 }, async () => {
    await release('slow-mean', (s) => {
      s.training = { trainer: 'command', command: ['node', 'test/fixtures/nearest-mean-model.mjs'], params: { delayMs: 300 } };
      s.evaluation = { primaryMetric: 'accuracy', thresholds: {}, champion: { enabled: false } };
    });
    const started = (await score({ model: 'slow-mean', dataset: 'to-score', chunkRows: 100, parallelism: 1 })).data!.scoreDataset;
    const job = (id: string) => stack.api.gql<{ scoringJob: Job }>(`query($id: ID!) { scoringJob(input: { id: $id }) { ${JOB_FIELDS} } }`, { id }).then((r) => r.data!.scoringJob);
    await eventually(() => job(started.id), (j) => j.chunksDone >= 1, 60_000);
    const cancel = (as?: string) => stack.api.gql<{ cancelScoringJob: { id: string } }>('mutation($id: ID!) { cancelScoringJob(input: { id: $id, reason: "wrong data" }) { id } }', { id: started.id }, as ? { as } : {});
    expect((await cancel('viewer@example.com')).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await cancel()).errors).toBeUndefined();
    const ended = await finished(started.id);
    expect([ended.status, ended.outputDatasetVersion]).toEqual(['cancelled', null]);
    expect(ended.chunksDone).toBeLessThan(11);
    const again = await cancel();
    expect(again.errors![0]).toMatchObject({ message: `Scoring job ${started.id} is cancelled; only a running job can be cancelled`, extensions: { code: 'CONFLICT' } });
    const trail = await stack.api.gql<{ auditTrail: { nodes: { action: string; actor: string; payload: { reason?: string } }[] } }>('query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action actor payload } } }', { id: started.id });
    expect(trail.data!.auditTrail.nodes.map((e) => `${e.actor} ${e.action}`).sort()).toEqual(['engineer@example.com scoring.cancel_requested', 'engineer@example.com scoring.started', 'system:scoring scoring.cancelled']);
  });
});
