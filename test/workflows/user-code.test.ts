import { randomBytes } from 'node:crypto';
import { createReadStream, type Dirent, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../../paths.js';
import { newKeySpec } from '../../storage/encryption/keyring.js';
import { createImportDir } from '../support/imports.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const MARKER = `marker-${randomBytes(6).toString('hex')}`;
/** When this file began: what its stack writes is newer. */
const STARTED = Date.now() - 1000;
const KEY = newKeySpec('k1');
/** Secrets of the process that runs user code, as a worker or an API started with them in its environment has them. */
const SECRETS = {
  CUSTODY_ENCRYPTION_KEYS: KEY,
  DATABASE_URL: `postgres://custody:pw-${randomBytes(8).toString('hex')}@127.0.0.1:1/custody`,
  AWS_SECRET_ACCESS_KEY: `aws-${randomBytes(12).toString('hex')}`,
  OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer otlp-${randomBytes(8).toString('hex')}`,
  CUSTODY_SIGNING_KEY: `signing-${randomBytes(8).toString('hex')}`,
};
/** A variable of the worker's environment the spec names, so user code may have it. */
const NAMED = { TRAINING_REGION: `region-${randomBytes(4).toString('hex')}` };
/** What user code may see, and nothing else. */
const ALLOWED = new Set(['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'TMP', 'TEMP', 'TRAINING_REGION', 'CUSTODY_MODE', 'CUSTODY_TRAIN_DATA', 'CUSTODY_PREDICT_DATA', 'CUSTODY_PARAMS', 'CUSTODY_MODEL', 'CUSTODY_PREDICTIONS', 'CUSTODY_METRICS']);

/** Every regular file under `dir` (recursively) that holds `needle` in its bytes, read as a stream with an overlap. */
async function filesHolding(dir: string, needle: string, since: number): Promise<string[]> {
  const found: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    // Files last written before this file's stack started (a checkout, an earlier run's leftovers) hold nothing of it.
    if ((statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < since) continue;
    let tail = '';
    try {
      for await (const chunk of createReadStream(file, { encoding: 'latin1', highWaterMark: 1 << 20 })) {
        const text = tail + (chunk as string);
        if (text.includes(needle)) {
          found.push(file);
          break;
        }
        tail = text.slice(-needle.length);
      }
    } catch {
      // Removed while we looked (another test's file): it holds nothing now.
    }
  }
  return found;
}

/**
 * User code is given none of Custody's secrets, and no plaintext outlives the code that needs it. A command
 * trainer that probes everything it can (its environment, its directories) trains, is evaluated, deployed and
 * served from a sealed store, while the process that runs it holds the encryption keys, a database password,
 * AWS and OTLP credentials in its environment.
 */
describe('user code under attack, with encryption at rest', () => {
  const imports = createImportDir();
  const probeDir = mkdtempSync(path.join(os.tmpdir(), 'custody-probe-'));
  let stack: TestStack;
  let runId: string;
  const planted: Record<string, string | undefined> = {};
  const probes = () =>
    readdirSync(probeDir).map((name) => ({ name, text: readFileSync(path.join(probeDir, name), 'utf8'), probe: JSON.parse(readFileSync(path.join(probeDir, name), 'utf8')) as { mode: string; env: Record<string, string>; cwd: string; keyring: unknown; databaseUrl: unknown; awsSecret: unknown } }));

  beforeAll(async () => {
    for (const [name, value] of Object.entries({ ...SECRETS, ...NAMED })) {
      planted[name] = process.env[name];
      process.env[name] = value;
    }
    // The marker is a value of one feature: the training data a command is handed holds it in clear while it trains.
    const csv = imports.read('examples/iris/iris.csv').split('\n');
    csv[0] = `${csv[0]},batch`;
    for (let i = 1; i < csv.length; i++) if (csv[i]) csv[i] = `${csv[i]},${i === 7 ? MARKER : 'b1'}`;
    imports.write('iris-probe.csv', csv.join('\n'));
    stack = await startStack({ env: { CUSTODY_ENCRYPTION_KEYS: KEY, CUSTODY_IMPORT_DIR: imports.dir } });
    const spec = exampleSpec('iris', (s) => ({
      ...s,
      name: 'probe',
      model: 'probe',
      dataset: { ...s.dataset, name: 'probe-data', file: 'iris-probe.csv', sensitiveColumns: ['batch'] },
      features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'batch'],
      validation: { minRows: 100 },
      evaluation: { primaryMetric: 'accuracy' },
      training: { trainer: 'command', command: ['node', 'test/fixtures/probe-trainer.mjs'], params: { probeDir }, environment: { variables: ['TRAINING_REGION'] } },
      gates: [],
    }));
    const { submitPipeline } = await stack.api.data('mutation($t: String!) { submitPipeline(input: { specText: $t }) { id } }', { t: stringify(spec) });
    runId = submitPipeline.id;
    const run = await eventually(
      async () => (await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { status error { message } } }', { id: runId })).pipelineRun,
      (r) => !['running', 'awaiting_approval'].includes(r.status),
      120_000,
    );
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    // Served too: the API starts the model's serve-mode process from the sealed store.
    const served = await stack.api.data('mutation($input: PredictInput!) { predict(input: $input) { value } }', { input: { model: 'probe', inputs: [{ sepal_length: 5, sepal_width: 3, petal_length: 1.4, petal_width: 0.2, batch: 'b1' }] } }, 'viewer@example.com');
    expect(served.predict).toHaveLength(1);
    // A command model's predictions cannot be explained: asking is refused, naming the field.
    const explained = await stack.api.gql('mutation($input: PredictInput!) { predict(input: $input) { value } }', { input: { model: 'probe', explain: true, inputs: [{ sepal_length: 5, sepal_width: 3, petal_length: 1.4, petal_width: 0.2, batch: 'b1' }] } }, { as: 'viewer@example.com' });
    expect(explained.errors![0]).toMatchObject({ message: expect.stringMatching(/^explain version 1 is a command model; explanations are for Custody's built-in trainers$/), extensions: { code: 'BAD_USER_INPUT' } });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    for (const [name, value] of Object.entries(planted)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(probeDir, { recursive: true, force: true });
  });

  it('gives user code only the allow-listed environment, in every mode, and none of the secrets its parent holds', () => {
    const all = probes();
    expect(new Set(all.map((p) => p.probe.mode))).toEqual(new Set(['train', 'predict', 'serve']));
    for (const { name, text, probe } of all) {
      expect(Object.keys(probe.env).filter((key) => !ALLOWED.has(key)), name).toEqual([]);
      expect(probe.env.TRAINING_REGION, name).toBe(NAMED.TRAINING_REGION);
      expect([probe.keyring, probe.databaseUrl, probe.awsSecret], name).toEqual([null, null, null]);
      for (const secret of Object.values(SECRETS)) expect(text.includes(secret), `${name} holds a secret`).toBe(false);
      expect(text.includes(KEY.split(':')[1]!), `${name} holds the key material`).toBe(false);
    }
  });

  it('runs user code in private directories of its own, never in the repository', () => {
    for (const { name, probe } of probes()) {
      expect(probe.cwd, name).not.toBe(PROJECT_ROOT);
      expect(probe.cwd, name).toMatch(new RegExp(`custody-${os.userInfo().uid}/custody-plain-\\d+-`));
      expect(probe.env.TMPDIR!.startsWith(path.dirname(probe.cwd)), name).toBe(true);
      // A training or a prediction call's directories are gone once it ended; a serving process keeps its own while it runs.
      if (probe.mode !== 'serve') expect(() => statSync(probe.cwd), name).toThrow();
    }
  });

  it('keeps no secret in the trial, its error or its environment record', async () => {
    const { pipelineRun } = await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { trials { params error environment } steps { name error { message } } } }', { id: runId });
    const text = JSON.stringify(pipelineRun);
    for (const secret of [...Object.values(SECRETS), KEY.split(':')[1]!]) expect(text.includes(secret)).toBe(false);
  });

  it('leaves no plaintext of the data on disk while the worker and the API are still alive', async () => {
    const places = [os.tmpdir(), path.dirname(stack.config.serving.spoolDir), (stack.config.artifacts as { dir: string }).dir];
    const holding = (await Promise.all(places.map((dir) => filesHolding(dir, MARKER, STARTED)))).flat();
    // The only file that may hold it is the file the test itself imported from.
    expect(holding.filter((file) => !file.startsWith(imports.dir))).toEqual([]);
  });

  it('refuses a spec that would hand user code one of Custody\'s secrets, naming the field', async () => {
    const spec = parse(readFileSync(path.join(PROJECT_ROOT, 'examples/iris/pipeline.yaml'), 'utf8')) as Record<string, unknown>;
    spec.training = { trainer: 'command', command: ['node', 'x.mjs'], environment: { variables: ['DATABASE_URL', 'MY_API_TOKEN', 'OMP_NUM_THREADS'] } };
    const answer = await stack.api.gql('mutation($t: String!) { submitPipeline(input: { specText: $t }) { id } }', { t: stringify(spec) });
    const issues = (answer.errors?.[0]?.extensions?.issues as { path: string; message: string }[]).map((i) => `${i.path} ${i.message}`);
    expect(issues).toEqual([
      expect.stringMatching(/^(spec\.)?training\.environment\.variables\.0 "DATABASE_URL" belongs to Custody's own settings/),
      expect.stringMatching(/^(spec\.)?training\.environment\.variables\.1 "MY_API_TOKEN" looks like it holds a secret/),
    ]);
  });
});
