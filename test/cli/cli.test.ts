import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import parseDot from 'dotparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { PROJECT_ROOT } from '../../paths.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';
import { startTestApi } from '../support/api.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { TokensService } from '../../api/access/tokens.service.js';
import { createTemporalClient } from '../../api/bootstrap.js';
import { decodeModel } from '../../ml/onnx/proto.js';
import { BUNDLE_PATHS } from '../../bundle/contents.js';
import { generateSigningKey, readBundle } from '../../bundle/format.js';

/** The real CLI (the compiled `custody` bin), spawned against the real stack over HTTP. */
const CLI = path.join(PROJECT_ROOT, 'scripts', 'custody.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'custody-cli-'));

/** A loopback port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the custody CLI', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const envFor = (as: string | null, extra: Record<string, string> = {}) => ({
    ...process.env,
    CUSTODY_URL: stack.api.url,
    CUSTODY_TOKEN: as ? stack.api.tokens[as]! : '',
    CUSTODY_CONFIG_DIR: path.join(work, 'config'),
    CUSTODY_OUTPUT: '',
    NO_COLOR: '1',
    ...extra,
  });
  const run = (args: string[], as: string | null = 'engineer@example.com', extra: Record<string, string> = {}, input?: string): Promise<Result> =>
    new Promise((resolve) => {
      const child = execFile(process.execPath, [CLI, ...args], { env: envFor(as, extra), timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      child.stdin!.end(input ?? '');
    });
  /** Starts the CLI and returns its result later (for `--wait`, while another process decides the gate), and its stderr so far. */
  const start = (args: string[], as = 'engineer@example.com') => {
    const child = spawn(process.execPath, [CLI, ...args], { env: envFor(as) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<Result>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
    return Object.assign(done, { stderr: () => stderr });
  };
  const specFile = (name: string, change: (s: PipelineSpecInput) => void = () => {}) => {
    const spec = exampleSpec('iris') as PipelineSpecInput;
    spec.name = name;
    spec.model = name;
    change(spec);
    const file = path.join(work, `${name}.yaml`);
    writeFileSync(file, toYaml(spec));
    return file;
  };
  const status = async (id: string) => (await stack.api.data<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id })).pipelineRun.status;
  const waitingRun = async (file: string) => {
    const id = await eventually(async () => (await import('node:fs')).existsSync(file) && readFileSync(file, 'utf8').trim(), (v) => Boolean(v), 30_000);
    await eventually(() => status(id as string), (s) => s === 'awaiting_approval', 60_000);
    return id as string;
  };

  it('submit --wait exits 0 once another process approves the gate with custody approve', { timeout: 180_000 }, async () => {
    const idFile = path.join(work, 'approved.id');
    const submitted = start(['submit', specFile('cli-approved'), '--wait', '--run-id-file', idFile, '-o', 'json']);
    const id = await waitingRun(idFile);
    const approved = await run(['approve', id, '-m', 'looks right'], 'approver@example.com');
    expect(approved).toMatchObject({ code: 0, stdout: 'gate production-approval: approved (1 of 1 approvals)\n' });
    const done = await submitted;
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ id, status: 'succeeded', modelVersion: { version: 1 } });
  });

  it('a rejected run exits 2, and the watcher of it too', { timeout: 180_000 }, async () => {
    const idFile = path.join(work, 'rejected.id');
    const submitted = start(['submit', specFile('cli-rejected'), '--wait', '--run-id-file', idFile]);
    const id = await waitingRun(idFile);
    const watched = start(['runs', 'watch', id]);
    // The watcher must have seen the open gate before it is decided.
    await eventually(async () => watched.stderr(), (text) => text.includes('gate production-approval: open'), 30_000);
    expect((await run(['reject', id, '-m', 'not this quarter'], 'risk@example.com')).code).toBe(0);
    const done = await submitted;
    expect(done.code, done.stderr).toBe(2);
    expect(done.stdout).toMatch(/GateRejected: gate production-approval was rejected by risk@example.com: not this quarter/);
    // Without a terminal, progress is one plain line per change: no cursor movement or colour codes.
    const watch = await watched;
    expect(watch.code).toBe(2);
    expect(watch.stderr).toMatch(/^run [0-9a-f-]{36} \(cli-rejected\): awaiting_approval at gate:production-approval$/m);
    expect(watch.stderr).toMatch(/^gate production-approval: open, 0 of 1 approvals, needs approver, decides by /m);
    expect(watch.stderr).toMatch(/^gate production-approval: rejected, 0 of 1 approvals, needs approver$/m);
    expect(watch.stderr).toMatch(/^trials: 4 of 4 done, best f1 [\d.]+ \(random-forest\)$/m);
    expect(watch.stderr + watch.stdout).not.toMatch(/[\u001b\r]/);
    expect(new Set(watch.stderr.trim().split('\n')).size).toBe(watch.stderr.trim().split('\n').length);
  });

  it('a spec with two mistakes exits 1 and names both, without contacting a server', async () => {
    const bad = specFile('cli-bad', (s) => {
      (s as any).target = 7;
      (s.training as any).trainer = 'deep-forest';
    });
    const result = await run(['submit', bad, '--wait'], 'engineer@example.com', { CUSTODY_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a valid pipeline spec');
    expect(result.stderr).toMatch(/^ {2}target: /m);
    expect(result.stderr).toMatch(/^ {2}training\.trainer: /m);
    expect(result.stderr).not.toMatch(/cannot reach/);
  });

  it('says the server is unreachable with exit 8, and a usage error with exit 1', async () => {
    const closed = await closedPort();
    expect(await run(['runs', 'list'], 'engineer@example.com', { CUSTODY_URL: `http://127.0.0.1:${closed}` })).toMatchObject({ code: 8, stderr: `custody: cannot reach http://127.0.0.1:${closed}/graphql: ECONNREFUSED\n` });
    expect((await run(['runs', 'list', '--status', 'sleeping'])).stderr).toBe('custody: --status must be one of running, awaiting_approval, succeeded, failed, rejected, rolled_back, cancelled\n');
    expect((await run(['runs', 'get'])).code).toBe(1);
  });

  it('keeps no download that does not match the sha256 it was sent with', async () => {
    // A fake of a transfer corrupted on the way (a proxy, a disk), which no real server of ours sends.
    const server = http.createServer((req, res) => res.writeHead(200, req.url!.includes('unsigned') ? {} : { 'x-custody-sha256': '0'.repeat(64) }).end('row,reason\n1,bad\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const file = path.join(work, 'corrupt.csv');
      const corrupt = await run(['datasets', 'download', 'iris', '--file', file], 'engineer@example.com', { CUSTODY_URL: url });
      expect([corrupt.code, corrupt.stderr]).toEqual([3, `custody: the download from ${url} does not match its sha256 (${'0'.repeat(64)}); nothing was kept\n`]);
      expect([existsSync(file), existsSync(`${file}.partial`)]).toEqual([false, false]);
      // Without the sha256 to check against (a proxy dropped it), nothing is written either.
      const unchecked = await run(['datasets', 'download', 'unsigned', '--file', file], 'engineer@example.com', { CUSTODY_URL: url });
      expect([unchecked.code, unchecked.stderr, existsSync(file)]).toEqual([3, `custody: ${url} sent no sha256 (x-custody-sha256) to check the download against; nothing was written\n`, false]);
      const toStdout = await run(['datasets', 'download', 'iris'], 'engineer@example.com', { CUSTODY_URL: url });
      expect([toStdout.code, toStdout.stderr]).toEqual([3, `custody: the download from ${url} does not match its sha256 (${'0'.repeat(64)}); what was written to stdout is corrupt\n`]);
    } finally {
      server.close();
    }
  });

  it('a viewer who approves exits 7 with the reason', { timeout: 120_000 }, async () => {
    const idFile = path.join(work, 'viewer.id');
    const submitted = start(['submit', specFile('cli-viewer'), '--run-id-file', idFile]);
    expect((await submitted).code).toBe(0);
    const id = await waitingRun(idFile);
    const refused = await run(['approve', id], 'viewer@example.com');
    expect(refused.code).toBe(7);
    expect(refused.stderr).toBe('custody: Forbidden: approveGate needs the role approver (or admin); viewer@example.com is viewer (FORBIDDEN)\n');
    expect(refused.stdout).toBe('');
    // A decision the gate's rules refuse is "not allowed" too: an admin who submitted a run cannot approve it.
    const ownFile = path.join(work, 'own.id');
    expect((await start(['submit', specFile('cli-own'), '--run-id-file', ownFile], 'admin@example.com')).code).toBe(0);
    const ownRun = await waitingRun(ownFile);
    const own = await run(['approve', ownRun], 'admin@example.com');
    expect(own.code).toBe(7);
    expect(own.stderr).toBe('custody: The decision was refused: admin@example.com submitted this run and cannot approve its gates (CONFLICT)\n');
    await run(['runs', 'cancel', ownRun], 'admin@example.com');
    // The gate is still open for those who may decide it, and the viewer's own token cannot list it as theirs.
    const open = JSON.parse((await run(['gates', 'list', '-o', 'json'], 'approver@example.com')).stdout) as { runId: string }[];
    expect(open.map((g) => g.runId)).toContain(id);
    expect(JSON.parse((await run(['gates', 'list', '-o', 'json'], 'engineer@example.com')).stdout)).toEqual([]);
    await run(['runs', 'cancel', id, '-m', 'done with it'], 'engineer@example.com');
  });

  it('-o json output parses and keeps its documented shape', async () => {
    const [latest] = JSON.parse((await run(['runs', 'list', '--limit', '1', '-o', 'json'])).stdout) as { id: string }[];
    expect(Object.keys(latest!).sort()).toEqual(
      ['createdAt', 'currentStep', 'error', 'finishedAt', 'id', 'modelName', 'pipelineName', 'purpose', 'status', 'submittedBy', 'temporalUiUrl', 'trigger', 'workflowId'].sort(),
    );
    const detail = JSON.parse((await run(['runs', 'get', latest!.id, '-o', 'json'])).stdout) as Record<string, unknown>;
    expect(Object.keys(detail).sort()).toEqual(
      [
        ...['createdAt', 'currentStep', 'error', 'finishedAt', 'id', 'modelName', 'pipelineName', 'purpose', 'status', 'submittedBy', 'temporalUiUrl', 'trigger', 'workflowId'],
        ...['datasetVersion', 'deployments', 'gates', 'leaderboard', 'modelVersion', 'parentRunId', 'specHash', 'steps', 'trials', 'trialsPlanned'],
      ].sort(),
    );
    const yaml = await run(['runs', 'get', latest!.id, '-o', 'yaml']);
    expect(yaml.stdout).toMatch(new RegExp(`^id: ${latest!.id}$`, 'm'));
    const models = JSON.parse((await run(['models', 'list', '-o', 'json'])).stdout) as { name: string; versions: unknown[] }[];
    expect(models.find((m) => m.name === 'cli-approved')).toMatchObject({ productionVersion: { version: 1 }, versions: [{ version: 1 }] });
  });

  it('compares runs, shows what served when and the model card, predicts, and manages schedules', { timeout: 60_000 }, async () => {
    const runs = JSON.parse((await run(['runs', 'list', '-o', 'json'])).stdout) as { id: string; pipelineName: string }[];
    const [approved, rejected] = ['cli-approved', 'cli-rejected'].map((name) => runs.find((r) => r.pipelineName === name)!);
    const compared = await run(['compare', approved!.id, rejected!.id]);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/^dataset +iris@v1 +iris@v1$/m);
    expect(compared.stdout).toMatch(/^status +succeeded +rejected$/m);
    expect(compared.stdout).toMatch(/^test accuracy +[\d.]+ +[\d.]+$/m);
    expect((await run(['compare', approved!.id])).code).toBe(1);

    const history = JSON.parse((await run(['models', 'history', 'cli-approved', '-o', 'json'])).stdout) as { stage: string; role: string; endedAt: string | null }[];
    expect(history.filter((d) => d.endedAt === null).map((d) => [d.stage, d.role]).sort()).toEqual([
      ['production', 'primary'],
      ['staging', 'primary'],
    ]);
    const card = await run(['models', 'card', 'cli-approved']);
    expect(card.code, card.stderr).toBe(0);
    expect(card.stdout).toMatch(/^# /);
    expect(card.stdout).toContain('cli-approved');
    expect((await run(['models', 'card', 'cli-approved', '--version', '9'])).stderr).toBe('custody: cli-approved has no version 9\n');

    const flower = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
    const predicted = JSON.parse((await run(['predict', 'cli-approved', '--json', JSON.stringify(flower), '-o', 'json'], 'viewer@example.com')).stdout) as { value: string; version: number }[];
    expect(predicted).toMatchObject([{ value: 'setosa', version: 1 }]);
    const file = path.join(work, 'flowers.jsonl');
    writeFileSync(file, `${JSON.stringify(flower)}\n${JSON.stringify({ ...flower, petal_length: 6, petal_width: 2.3 })}\n`);
    expect(JSON.parse((await run(['predict', 'cli-approved', '--input', file, '-o', 'json'])).stdout).map((p: { value: string }) => p.value)).toEqual(['setosa', 'virginica']);
    expect((await run(['predict', 'cli-approved', '--json', '[1]'])).stderr).toBe('custody: input 1 must be a JSON object of feature values\n');
    expect((await run(['drift', 'cli-approved'])).stderr).toBe('custody: cli-approved has no drift report yet; a monitoring schedule makes them\n');

    const created = await run(['schedules', 'create', '--model', 'cli-approved', '--interval', '1h', '--paused', '--note', 'nightly check', '-o', 'json']);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    expect(JSON.parse((await run(['schedules', 'list', '--model', 'cli-approved', '-o', 'json'])).stdout)).toMatchObject([{ id, action: 'MONITOR', interval: '1h', paused: true, note: 'nightly check' }]);
    expect((await run(['schedules', 'delete', id])).code).toBe(0);
    expect(JSON.parse((await run(['schedules', 'list', '--model', 'cli-approved', '-o', 'json'])).stdout)).toEqual([]);

    const scoring = await run(['schedules', 'create', '--model', 'cli-approved', '--score', 'iris', '--id-column', 'species', '--monitoring', '--cron', '0 2 * * *', '--paused']);
    expect(scoring.code, scoring.stderr).toBe(0);
    expect(scoring.stdout).toMatch(/score-cli-approved\s.*SCORE iris\s+0 2 \* \* \*/);
    expect(JSON.parse((await run(['schedules', 'list', '--model', 'cli-approved', '-o', 'json'])).stdout)).toMatchObject([
      { id: 'score-cli-approved', action: 'SCORE', score: { model: 'cli-approved', dataset: 'iris', idColumns: ['species'], monitoring: true } },
    ]);
    expect((await run(['schedules', 'delete', 'score-cli-approved'])).code).toBe(0);
    expect((await run(['schedules', 'create', '--model', 'cli-approved', '--action', 'retrain', '--score', 'iris', '--interval', '1h'])).stderr).toBe('custody: --score does not go with --action retrain\n');
    expect((await run(['schedules', 'create', '--model', 'cli-approved', '--monitoring', '--interval', '1h'])).stderr).toBe('custody: --monitoring goes only with --score\n');
  });

  it('score --wait follows a scoring job to its end: exit 0 with the output version, 3 when too many rows are rejected, 1 for a bad option', { timeout: 120_000 }, async () => {
    const scored = await run(['score', 'cli-approved', '--dataset', 'iris@1', '--chunk-rows', '100', '--wait', '-o', 'json']);
    expect(scored.code, scored.stderr).toBe(0);
    const job = JSON.parse(scored.stdout) as { status: string; chunksTotal: number; scored: number; rejected: number; outputDatasetVersion: { datasetName: string; version: number } };
    expect(job).toMatchObject({ status: 'succeeded', chunksTotal: 2, scored: 150, rejected: 0, outputDatasetVersion: { datasetName: 'cli-approved-scores', version: 1 } });
    expect(scored.stderr).toMatch(/job \S+: succeeded, 2 of 2 chunks scored\n$/);
    const cancelled = await run(['scoring', 'cancel', (job as unknown as { id: string }).id]);
    expect([cancelled.code, cancelled.stderr]).toEqual([1, `custody: Scoring job ${(job as unknown as { id: string }).id} is succeeded; only a running job can be cancelled (CONFLICT)\n`]);

    const file = path.join(work, 'odd-flowers.csv');
    writeFileSync(file, 'sepal_length,sepal_width,petal_length,petal_width\n' + Array.from({ length: 120 }, (_, i) => `5.1,3.5,${i % 20 === 0 ? 'long' : '1.4'},0.2`).join('\n') + '\n');
    expect((await run(['datasets', 'register', file, '--name', 'odd-flowers'])).code).toBe(0);
    const failed = await run(['score', 'cli-approved', '--dataset', 'odd-flowers', '--wait']);
    expect(failed.code).toBe(3);
    expect(failed.stdout).toMatch(/TooManyRejected: 6 of 120 rows \(5\.00%\) were rejected/);

    // What a job wrote comes back whole and checked: the scores as a dataset version, the rejects by the job.
    const scores = path.join(work, 'scores.csv');
    const downloaded = await run(['datasets', 'download', 'cli-approved-scores', '--version', '1', '--file', scores]);
    expect([downloaded.code, downloaded.stdout]).toEqual([0, '']);
    const scoresSha = createHash('sha256').update(readFileSync(scores)).digest('hex');
    expect(downloaded.stderr).toBe(`wrote ${scores}: ${statSync(scores).size} bytes, sha256 ${scoresSha}\n`);
    expect(readFileSync(scores, 'utf8').trim().split('\n')).toHaveLength(151);
    expect((await run(['datasets', 'download', 'cli-approved-scores', '--version', '1'])).stdout).toBe(readFileSync(scores, 'utf8'));
    const listed = JSON.parse((await run(['scoring', 'list', '--model', 'cli-approved', '-o', 'json'])).stdout) as { id: string; status: string }[];
    const failedJob = listed.find((j) => j.status === 'failed')!;
    const rejects = await run(['scoring', 'rejects', failedJob.id]);
    expect(rejects.code, rejects.stderr).toBe(0);
    expect(rejects.stdout.trim().split('\n')).toEqual(['row,reason', ...[1, 21, 41, 61, 81, 101].map((row) => `${row},"petal_length must be a number (got ""long"")"`)]);
    expect((await run(['scoring', 'rejects', failedJob.id], 'viewer@example.com')).code).toBe(7);
    const none = await run(['datasets', 'download', 'cli-approved-scores', '--version', '9', '--file', path.join(work, 'none.csv')]);
    expect([none.code, none.stderr, existsSync(path.join(work, 'none.csv')), existsSync(path.join(work, 'none.csv.partial'))]).toEqual([1, 'custody: Dataset cli-approved-scores has no version 9 (NOT_FOUND)\n', false, false]);

    expect((await run(['score', 'cli-approved', '--dataset', 'iris@x'])).stderr).toBe('custody: --dataset @version must be a whole number from 1 to 2147483647\n');
    const unknown = await run(['score', 'cli-approved', '--dataset', 'iris@9']);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'custody: input.datasetVersion names no dataset version (iris@9) (NOT_FOUND)\n']);
    expect((await run(['score', 'cli-approved', '--dataset', 'iris'], 'viewer@example.com')).code).toBe(7);
  });

  it('models export writes the production version as ONNX, whole and checked against its sha256; a viewer is refused', async () => {
    const file = path.join(work, 'cli-approved.onnx');
    const exported = await run(['models', 'export', 'cli-approved', '--format', 'onnx', '--file', file]);
    expect([exported.code, exported.stdout], exported.stderr).toEqual([0, '']);
    const bytes = readFileSync(file);
    expect(exported.stderr).toBe(`wrote ${file}: ${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}\n`);
    const model = decodeModel(bytes);
    expect(model.graph.input.map((i) => i.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(model.graph.output.map((o) => o.name)).toEqual(['label', 'probabilities']);
    const again = path.join(work, 'cli-approved-v1.onnx');
    expect((await run(['models', 'export', 'cli-approved', '--version', '1', '--format', 'onnx', '--file', again])).code).toBe(0);
    expect(readFileSync(again).equals(bytes)).toBe(true);
    expect((await run(['models', 'export', 'cli-approved', '--format', 'onnx', '--file', path.join(work, 'viewer.onnx')], 'viewer@example.com')).code).toBe(7);
    expect(existsSync(path.join(work, 'viewer.onnx'))).toBe(false);
    expect(await run(['models', 'export', 'cli-approved', '--format', 'pmml'])).toMatchObject({ code: 1, stderr: 'custody: --format must be onnx or bundle (got pmml)\n' });
  });

  it('models export --format bundle writes a signed bundle that models verify checks against /v1/keys; one byte changed fails, naming the file', async () => {
    const file = path.join(work, 'cli-approved.tar.gz');
    const exported = await run(['models', 'export', 'cli-approved', '--format', 'bundle', '--file', file]);
    expect(exported.code, exported.stderr).toBe(0);
    const bundle = await readBundle(readFileSync(file));
    expect(bundle.manifest.files.map((f) => f.path)).toEqual(Object.values(BUNDLE_PATHS).sort());
    const verified = await run(['models', 'verify', file, '-o', 'json'], null);
    expect(verified.code, verified.stderr).toBe(0);
    const keys = (await (await fetch(stack.api.url.replace(/\/graphql$/, '/v1/keys'))).json()) as { keys: { kid: string }[] };
    expect(JSON.parse(verified.stdout)).toEqual({ bundle: file, model: 'cli-approved', version: 1, files: bundle.manifest.files.length, keyId: keys.keys[0]!.kid });

    // Unpacked by GNU tar, it verifies; with one byte of the model changed it is refused (exit 2), naming the file.
    const dir = mkdtempSync(path.join(work, 'bundle-'));
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    expect((await run(['models', 'verify', dir], null)).code).toBe(0);
    const artifact = path.join(dir, BUNDLE_PATHS.artifact);
    const changed = readFileSync(artifact);
    changed[changed.length >> 1] ^= 1;
    writeFileSync(artifact, changed);
    const refused = await run(['models', 'verify', dir], null);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(new RegExp(`^custody: ${dir}: ${BUNDLE_PATHS.artifact}: sha256 differs from the manifest`))]);

    // A key the bundle was not signed with is not trusted.
    const other = path.join(work, 'other-key.pem');
    writeFileSync(other, generateSigningKey().key.publicKey.export({ type: 'spki', format: 'pem' }));
    const untrusted = await run(['models', 'verify', file, '--public-key', other], null);
    expect([untrusted.code, untrusted.stderr]).toEqual([2, expect.stringContaining('manifest.sig: signed by key')]);
  });

  it('models import brings a scikit-learn model (ONNX) in as a run: refused naming an input that is no column; evaluated, gated, deployed and served as scikit-learn predicts', { timeout: 180_000 }, async () => {
    const fixtures = path.join(PROJECT_ROOT, 'test', 'fixtures', 'onnx');
    const args = ['--name', 'cli-imported', '--dataset', 'iris', '--target', 'species'];
    const misspelt = await run(['models', 'import', path.join(fixtures, 'iris-misspelt.onnx'), ...args]);
    expect([misspelt.code, misspelt.stderr]).toEqual([1, expect.stringContaining('inputs.petal_lenght: is not a column of the data (its columns are sepal_length, sepal_width, petal_length, petal_width)')]);
    expect((await run(['models', 'import', path.join(fixtures, 'iris-logistic.onnx'), ...args], 'viewer@example.com')).code).toBe(7);

    const spec = path.join(work, 'import.yaml');
    writeFileSync(spec, toYaml({ evaluation: { primaryMetric: 'accuracy', thresholds: { accuracy: { min: 0.9 } } }, gates: [{ name: 'import-approval', role: 'approver', quorum: 1, timeout: '1d', onTimeout: 'reject' }], deployment: { production: {} } }));
    const submitted = await run(['models', 'import', path.join(fixtures, 'iris-logistic.onnx'), ...args, '--spec', spec, '-o', 'json']);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stderr).toMatch(/^imported .+iris-logistic\.onnx: sha256 [0-9a-f]{64}, a classification model from scikit-learn taking sepal_length, sepal_width, petal_length, petal_width\n$/);
    const id = JSON.parse(submitted.stdout).id as string;
    // The same gate as a trained model's: nothing serves until an approver says so.
    await eventually(() => status(id), (s) => s === 'awaiting_approval', 90_000);
    expect((await run(['approve', id], 'approver@example.com')).code).toBe(0);
    await eventually(() => status(id), (s) => s === 'succeeded', 90_000);
    const { pipelineRun } = await stack.api.data<{ pipelineRun: { trials: { trainer: string; environment: { imported: Record<string, unknown> } }[]; modelVersion: { trainer: string; metrics: Record<string, number>; modelCard: string } } }>(
      'query($id: ID!) { pipelineRun(input: { runId: $id }) { trials { trainer environment } modelVersion { trainer metrics modelCard } } }',
      { id },
    );
    const sha256 = createHash('sha256').update(readFileSync(path.join(fixtures, 'iris-logistic.onnx'))).digest('hex');
    expect(pipelineRun.trials).toEqual([expect.objectContaining({ trainer: 'imported', environment: expect.objectContaining({ imported: { sha256, producer: 'scikit-learn', producerVersion: expect.any(String), opset: 17 } }) })]);
    expect(pipelineRun.modelVersion.trainer).toBe('imported');
    expect(pipelineRun.modelVersion.metrics.accuracy).toBeGreaterThan(0.9);
    // The accepted upload is audited with its hash; the refused one is not.
    const { auditTrail } = await stack.api.data<{ auditTrail: { nodes: { action: string; actor: string; payload: { sha256: string } }[] } }>('query { auditTrail(input: { subjectId: "cli-imported" }) { nodes { action actor payload } } }');
    expect(auditTrail.nodes.filter((n) => n.action === 'model.imported').map((n) => [n.actor, n.payload.sha256])).toEqual([['engineer@example.com', sha256]]);

    // Served in the API through onnxruntime: what scikit-learn predicted for the same rows.
    const expected = JSON.parse(readFileSync(path.join(fixtures, 'iris-logistic.json'), 'utf8')) as { classes: string[]; labels: string[]; probabilities: number[][] };
    const columns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
    const inputs = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/iris.csv'), 'utf8').trim().split('\n').slice(1).map((line) => Object.fromEntries(columns.map((c, k) => [c, Number(line.split(',')[k])])));
    const response = await fetch(stack.api.url.replace(/\/graphql$/, '/v1/models/cli-imported/predict'), { method: 'POST', headers: { authorization: `Bearer ${stack.api.tokens['viewer@example.com']}`, 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    const { predictions } = (await response.json()) as { predictions: { value: string; probabilities: Record<string, number> }[] };
    expect(predictions.map((p) => p.value)).toEqual(expected.labels);
    predictions.forEach((p, i) => expected.classes.forEach((c, k) => expect(Math.abs(p.probabilities[c]! - expected.probabilities[i]![k]!)).toBeLessThanOrEqual(1e-6)));
    // Its export is the file it was imported as.
    const exported = path.join(work, 'cli-imported.onnx');
    expect((await run(['models', 'export', 'cli-imported', '--format', 'onnx', '--file', exported])).code).toBe(0);
    expect(createHash('sha256').update(readFileSync(exported)).digest('hex')).toBe(sha256);
  });

  it('health needs no token, self-check runs a workflow, and datasets get shows the datasheet', async () => {
    expect(await run(['health'], null)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok \(Custody [\d.]+\)\ntemporal: reachable at .+, [1-9]\d* workers polling\ndatabase: /) });
    expect((await run(['self-check'])).stdout).toMatch(/^ok in \d+ ms: workflow /);
    const sheet = await run(['datasets', 'get', 'iris']);
    expect(sheet.code, sheet.stderr).toBe(0);
    expect(sheet.stdout).toMatch(/^# /);
    expect(JSON.parse((await run(['datasets', 'get', 'iris', '--version', '1', '-o', 'json'])).stdout)).toMatchObject({ datasetName: 'iris', version: 1, rowCount: 150 });
  });

  it('datasets register streams a file to the upload endpoint: a new version, the same one again, and bad rows named', async () => {
    const csv = path.join(work, 'loans.csv');
    writeFileSync(csv, 'amount,term,label\n' + Array.from({ length: 2000 }, (_, i) => `${1000 + i},${12 + (i % 3) * 12},${i % 4 === 0 ? 1 : 0}`).join('\n') + '\n');
    const first = await run(['datasets', 'register', csv, '--name', 'loans', '--source', 'core banking']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^loans@v1: 2000 rows, sha256 [0-9a-f]{64}\n$/);
    expect((await run(['datasets', 'register', csv, '--name', 'loans'])).stdout).toBe(first.stdout);
    expect(JSON.parse((await run(['datasets', 'get', 'loans', '-o', 'json'])).stdout)).toMatchObject({ version: 1, source: 'core banking' });
    const bad = path.join(work, 'bad.jsonl');
    writeFileSync(bad, '{"a":1}\nnot json\n');
    const refused = await run(['datasets', 'register', bad, '--name', 'bad']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^custody: body cannot be read as jsonl: .+ \(BAD_USER_INPUT\)\n$/);
    expect((await run(['datasets', 'register', csv, '--name', 'loans'], 'viewer@example.com')).code).toBe(7);
  });

  it('artifacts gc is a dry run unless --apply, and only for admins', async () => {
    const dry = await run(['artifacts', 'gc'], 'admin@example.com');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^\d+ stored, \d+ kept; would remove 0 \(0 bytes\), older than 24h\n$/);
    expect((await run(['artifacts', 'gc', '--apply', '--min-age', '30m'], 'admin@example.com')).stderr).toBe('custody: input.minAge must be a duration of at least 1h, such as 24h or 7d (BAD_USER_INPUT)\n');
    expect((await run(['artifacts', 'gc'])).code).toBe(7);
  });

  it('lineage --format dot is valid DOT with the run and its model version', async () => {
    const [approved] = JSON.parse((await run(['runs', 'list', '--pipeline', 'cli-approved', '-o', 'json'])).stdout) as { id: string }[];
    const dot = await run(['lineage', approved!.id, '--format', 'dot']);
    expect(dot.code, dot.stderr).toBe(0);
    const [graph] = parseDot(dot.stdout);
    expect(graph!.type).toBe('digraph');
    const labels = graph!.children.flatMap((c: any) => (c.type === 'node_stmt' ? c.attr_list.filter((a: any) => a.id === 'label').map((a: any) => String(a.eq).split('\\n')[0]) : []));
    expect(labels).toEqual(expect.arrayContaining(['run', 'dataset_version', 'trial', 'model_version', 'deployment']));
    expect(graph!.children.filter((c: any) => c.type === 'edge_stmt').length).toBeGreaterThan(3);
  });

  it('login saves the server and token for its owner only, and whoami uses them', async () => {
    const dir = path.join(work, 'login');
    const login = await run(['login', '--url', stack.api.url.replace(/\/graphql$/, ''), '--token', stack.api.tokens['ana@example.com']!], null, { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: dir });
    expect(login.code, login.stderr).toBe(0);
    expect(statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(await run(['whoami'], null, { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: dir })).toMatchObject({ code: 0, stdout: 'ana@example.com (approver)\n' });
    const wrong = await run(['login', '--url', stack.api.url, '--token', 'cust_nope'], null, { CUSTODY_CONFIG_DIR: path.join(work, 'wrong') });
    expect(wrong.code).toBe(7);
    // A token piped on stdin stays out of the process list and the shell history.
    const piped = path.join(work, 'piped');
    const fromStdin = await run(['login', '--url', stack.api.url, '--token', '-'], null, { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: piped }, `${stack.api.tokens['bo@example.com']}\n`);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect((await run(['whoami'], null, { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: piped })).stdout).toBe('bo@example.com (approver)\n');
    writeFileSync(path.join(piped, 'config.json'), 'null');
    expect(await run(['whoami'], null, { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: piped })).toMatchObject({ code: 1, stderr: `custody: ${path.join(piped, 'config.json')} is not a saved login; run custody login again\n` });
  });

  it('tokens rotate swaps the saved login for its successor, which works while the old one lasts the overlap', async () => {
    const dir = path.join(work, 'rotate');
    const token = (await stack.api.app.get(TokensService).create({ name: 'rotating-ci', role: 'submitter' }, 'test')).token;
    const env = { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: dir };
    expect((await run(['login', '--url', stack.api.url, '--token', token], null, env)).code).toBe(0);
    const rotated = await run(['tokens', 'rotate', '--overlap', '10m'], null, env);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^rotating-ci \(submitter, expires \S+\): saved in /);
    expect(rotated.stdout).not.toContain('cus_');
    const saved = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { token: string };
    expect(saved.token).not.toBe(token);
    expect(await run(['whoami'], null, env)).toMatchObject({ code: 0, stdout: 'rotating-ci (submitter)\n' });
    expect((await run(['whoami'], null, { ...env, CUSTODY_TOKEN: token })).stdout).toBe('rotating-ci (submitter)\n');
    expect((await run(['tokens', 'rotate', '--overlap', 'soon'], null, env)).stderr).toBe('custody: input.overlap must be a duration such as 30d, 12h or 90m, at most 30d (BAD_USER_INPUT)\n');
  });

  it('login --first-admin-code creates the first admin on an empty server, once', async () => {
    const database = await createTestDatabase('pglite');
    const config = testConfig();
    const api = await startTestApi({ config, database, temporal: createTemporalClient(config) }, { seedPeople: false });
    try {
      const code = (await api.app.get(TokensService).prepareBootstrap())!;
      const dir = path.join(work, 'first-admin');
      const base = api.url.replace(/\/graphql$/, '');
      const first = await run(['login', '--url', base, '--first-admin-code', code, '--name', 'owner@example.com'], null, { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: dir });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toBe('');
      expect(await run(['whoami'], null, { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: dir })).toMatchObject({ code: 0, stdout: 'owner@example.com (admin)\n' });
      const again = await run(['login', '--url', base, '--first-admin-code', code, '--name', 'mallory@example.com'], null, { CUSTODY_URL: '', CUSTODY_TOKEN: '', CUSTODY_CONFIG_DIR: path.join(work, 'again') });
      expect(again.code).not.toBe(0);
      expect((await run(['login', '--url', base, '--first-admin-code', code], null, { CUSTODY_CONFIG_DIR: dir })).stderr).toBe('custody: --first-admin-code needs --name, the first admin (such as you@example.com)\n');
    } finally {
      await api.close();
      await database.close();
    }
  });

  it('audit verify exits 0 on the intact chain and 3 on a tampered one, naming the event', async () => {
    expect((await run(['audit', 'verify'])).stdout).toMatch(/^ok: \d+ events, head \d+ [0-9a-f]{64}\n$/);
    const trigger = 'audit_events_no_update_or_delete';
    for (const statement of [`alter table audit_events disable trigger ${trigger}`, `update audit_events set payload = '{"forged": true}' where seq = 2`, `alter table audit_events enable trigger ${trigger}`]) {
      await stack.database.db.execute(sql.raw(statement));
    }
    const broken = await run(['audit', 'verify']);
    expect(broken.code).toBe(3);
    expect(broken.stdout).toBe('BROKEN at event 2: event 2 was altered: its content no longer matches its hash\n');
  });

  it('its GraphQL types are generated from the committed schema.gql', async () => {
    const check = await new Promise<Result>((resolve) =>
      execFile(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'graphql-types.mjs'), '--check'], (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr })),
    );
    expect(check.code, check.stderr).toBe(0);
  });
});
