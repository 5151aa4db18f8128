import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { BUNDLE_PATHS, BUNDLE_PORT } from '../../bundle/contents.js';
import { generateSigningKey } from '../../bundle/signing.js';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { CUSTODY_VERSION, PROJECT_ROOT } from '../../paths.js';
import { apiWith } from '../support/api.js';
import type { TestDatabase } from '../support/database.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

/**
 * The Open Inference Protocol (V2) against a real stack: one version of the iris model serves production, a second is
 * a 30% canary, and a third waits at an approval gate (registered, never deployed). The requests follow KServe's
 * specification (docs/predict-api/v2/required_api.md), adapted to the iris model's columns.
 */

const COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
const VIRGINICA = { sepal_length: 5.9, sepal_width: 3.0, petal_length: 5.1, petal_width: 1.8 };
const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

interface Answer<T = any> {
  status: number;
  text: string;
  body: T;
}

/**
 * `custody serve` as a process of its own (the `custody` bin, or `entry` as the bundle's Dockerfile names it), once it
 * says where it listens; `stop` ends it as a container stop does.
 */
async function custodyServe(args: string[], env: Record<string, string>, entry = path.join(PROJECT_ROOT, 'scripts', 'custody.mjs')) {
  const child = spawn(process.execPath, [entry, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const listening = / on (http:\/\/\S+) \(/.exec(stderr);
      if (listening) resolve(listening[1]!);
    });
    child.once('exit', (code) => reject(new Error(`custody serve exited ${code}: ${stderr}`)));
  });
  const stop = () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve()).kill('SIGTERM')));
  return { url, stop };
}

/** One column's tensor, as the specification's example builds one. */
const tensor = (name: string, data: unknown[], datatype = 'FP64', shape: number[] = [data.length]) => ({ name, shape, datatype, data });
const tensorsOf = (rows: Record<string, unknown>[]) => COLUMNS.map((c) => tensor(c, rows.map((r) => r[c])));

/** Every `step`-th row of an example's CSV file, without its target: numbers as numbers, an empty cell as null. */
function csvRows(file: string, target: string, step: number): Record<string, unknown>[] {
  const [header, ...lines] = readFileSync(path.join(PROJECT_ROOT, file), 'utf8').trim().split('\n').map((line) => line.split(','));
  const value = (cell: string) => (cell === '' ? null : Number.isNaN(Number(cell)) ? cell : Number(cell));
  return lines.filter((_, i) => i % step === 0).map((cells) => Object.fromEntries(header!.flatMap((name, k) => (name === target ? [] : [[name, value(cells[k]!)]]))));
}

/**
 * A client written from the specification alone: it reads the model's metadata, builds one tensor per input
 * from rows, and reads the outputs back into one object per row.
 */
class InferenceClient {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}/v2/${route}`, { method, headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await response.json()) as T & { error?: string };
    if (response.status !== 200) throw new Error(`${response.status}: ${json.error}`);
    return json;
  }

  async predict(model: string, rows: Record<string, unknown>[], parameters: Record<string, string> = {}): Promise<{ version: string; rows: { label: unknown; probabilities?: Record<string, number> }[] }> {
    const metadata = await this.call<{ inputs: { name: string; datatype: string }[] }>('GET', `models/${model}`);
    const element = (value: unknown, datatype: string) => (value === null || value === undefined ? null : datatype === 'BYTES' ? String(value) : value);
    const inputs = metadata.inputs.map((input) => ({ name: input.name, datatype: input.datatype, shape: [rows.length], data: rows.map((row) => element(row[input.name], input.datatype)) }));
    const answer = await this.call<{ model_version: string; outputs: { name: string; shape: number[]; data: unknown[]; parameters?: Record<string, string> }[] }>('POST', `models/${model}/infer`, { inputs, parameters });
    const label = answer.outputs.find((o) => o.name === 'label')!;
    const probabilities = answer.outputs.find((o) => o.name === 'probabilities');
    const classes = probabilities ? (JSON.parse(probabilities.parameters!.classes!) as string[]) : [];
    const of = (i: number) => Object.fromEntries(classes.map((c, k) => [c, probabilities!.data[i * classes.length + k] as number]));
    return { version: answer.model_version, rows: label.data.map((value, i) => ({ label: value, ...(probabilities ? { probabilities: of(i) } : {}) })) };
  }
}

describe('the Open Inference Protocol (V2)', () => {
  let stack: TestStack;
  let base: string;
  let canaryRunId: string;
  let heldRunId: string;
  const versions = { primary: 0, canary: 0, held: 0 };

  /** A request to the API as a viewer (or with no token: `as: null`), its body parsed when it is JSON. */
  const call = async (method: string, route: string, body?: unknown, options: { as?: string | null; headers?: Record<string, string>; raw?: string } = {}): Promise<Answer> => {
    const as = options.as === undefined ? 'viewer@example.com' : options.as;
    const headers = { 'content-type': 'application/json', ...(as ? { authorization: `Bearer ${stack.api.tokens[as]}` } : {}), ...options.headers };
    const response = await fetch(`${base}${route}`, { method, headers, body: options.raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await response.text();
    return { status: response.status, text, body: text && response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
  };
  const infer = (body: unknown, route = '/v2/models/oip/infer', options: Parameters<typeof call>[3] = {}) => call('POST', route, body, options);

  beforeAll(async () => {
    stack = await startStack();
    base = stack.api.url.replace(/\/graphql$/, '');
    const release = async (change: (s: PipelineSpecInput) => void, example = 'iris') => {
      const spec = exampleSpec(example) as PipelineSpecInput;
      Object.assign(spec, { name: `oip-${example}`, model: 'oip', gates: [], deployment: { production: {} } });
      change(spec);
      return (await stack.api.data<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } })).submitPipeline.id;
    };
    const run = async (id: string) => (await stack.api.data<{ pipelineRun: { status: string; modelVersion: { version: number } | null } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status modelVersion { version } } }', { id })).pipelineRun;
    // The held run registers its version at once and waits at its gate for good: a version that exists and never serves.
    heldRunId = await release((s) => (s.gates = [{ name: 'hold', role: 'approver', quorum: 1, timeout: '7d', onTimeout: 'reject' }]));
    // Beside it, a model with categorical (and sensitive) columns, and a regression.
    const others = [await release((s) => (s.model = 'oip-claims'), 'claims-private'), await release((s) => (s.model = 'oip-diabetes'), 'diabetes')];
    const first = await release(() => undefined);
    versions.primary = (await eventually(() => run(first), (r) => r.status === 'succeeded', 120_000)).modelVersion!.version;
    canaryRunId = await release((s) => (s.deployment = { production: { canary: [30], bakeTime: '10m' } }));
    const deployments = async () => (await stack.api.data<{ model: { currentDeployments: { role: string; version: number }[] } }>('{ model(input: { name: "oip" }) { currentDeployments { role version } } }')).model.currentDeployments;
    versions.canary = (await eventually(deployments, (d) => d.some((x) => x.role === 'canary'), 120_000)).find((x) => x.role === 'canary')!.version;
    versions.held = (await eventually(() => run(heldRunId), (r) => r.status === 'awaiting_approval', 120_000)).modelVersion!.version;
    for (const id of others) await eventually(() => run(id), (r) => r.status === 'succeeded', 120_000);
  }, 300_000);
  afterAll(async () => {
    for (const id of [canaryRunId, heldRunId]) if (id) await stack?.api.gql('mutation($id: ID!) { cancelRun(input: { runId: $id }) { id } }', { id });
    await stack?.stop();
  });

  it('answers the specification’s health and server metadata requests: live and ready with empty bodies, no token needed', async () => {
    for (const route of ['/v2/health/live', '/v2/health/ready']) expect(await call('GET', route, undefined, { as: null })).toMatchObject({ status: 200, text: '' });
    const server = await call('GET', '/v2', undefined, { as: null });
    expect(server.body).toEqual({ name: 'custody', version: expect.any(String), extensions: [] });
  });

  it('describes the model in the specification’s metadata shape, from the artifact’s columns, for deployed versions only', async () => {
    const metadata = {
      name: 'oip',
      versions: [versions.primary, versions.canary].sort((a, b) => a - b).map(String),
      platform: 'custody',
      inputs: COLUMNS.map((name) => ({ name, datatype: 'FP64', shape: [-1] })),
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'probabilities', datatype: 'FP64', shape: [-1, 3] },
        { name: 'prediction_id', datatype: 'BYTES', shape: [-1] },
      ],
    };
    expect(await call('GET', '/v2/models/oip')).toMatchObject({ status: 200, body: metadata });
    expect(await call('GET', `/v2/models/oip/versions/${versions.canary}`)).toMatchObject({ status: 200, body: metadata });
    for (const route of ['/v2/models/oip/ready', `/v2/models/oip/versions/${versions.primary}/ready`, `/v2/models/oip/versions/${versions.canary}/ready`]) expect(await call('GET', route)).toMatchObject({ status: 200, text: '' });
    const held = { status: 404, body: { error: `Model oip version ${versions.held} does not serve production` } };
    expect(await call('GET', `/v2/models/oip/versions/${versions.held}`)).toEqual(expect.objectContaining(held));
    expect(await call('GET', `/v2/models/oip/versions/${versions.held}/ready`)).toEqual(expect.objectContaining(held));
    expect(await call('GET', '/v2/models/nothing-here/ready')).toMatchObject({ status: 404, body: { error: 'Model nothing-here has no production deployment' } });
    expect(await call('GET', '/v2/models/oip/ready', undefined, { as: null })).toMatchObject({ status: 401 });
    expect(await call('GET', '/v2/models/oip', undefined, { as: null })).toMatchObject({ status: 401, body: { error: 'Not authenticated: an Authorization: Bearer <token> header is required' } });
  });

  it('answers the specification’s inference example, request for request, adapted to the model’s columns', async () => {
    // The example's request: an id, one tensor per input (here, per column), and one output asked for.
    const request = { id: '42', inputs: COLUMNS.map((c) => tensor(c, [VIRGINICA[c], SETOSA[c]], 'FP32', [2])), outputs: [{ name: 'label' }] };
    const answer = await infer(request);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ model_name: 'oip', model_version: expect.stringMatching(new RegExp(`^(${versions.primary}|${versions.canary})$`)), id: '42', outputs: [{ name: 'label', shape: [2], datatype: 'BYTES', data: ['virginica', 'setosa'] }] });
    // A tensor of shape [n, 1], flat or in its natural nesting, is the same column; every output by default.
    const nested = await infer({ inputs: COLUMNS.map((c) => tensor(c, [[VIRGINICA[c]], [SETOSA[c]]], 'FP64', [2, 1])) });
    expect(nested.status, nested.text).toBe(200);
    expect(nested.body.outputs.map((o: { name: string }) => o.name)).toEqual(['label', 'probabilities', 'prediction_id']);
    expect(nested.body.outputs[0].data).toEqual(['virginica', 'setosa']);
    expect(nested.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const probabilities = nested.body.outputs[1];
    expect(probabilities).toMatchObject({ datatype: 'FP64', shape: [2, 3], parameters: { classes: '["setosa","versicolor","virginica"]' } });
    expect((probabilities.data as number[]).slice(0, 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const integers = await infer({ inputs: COLUMNS.map((c) => tensor(c, [Math.round(SETOSA[c])], 'INT64')), outputs: [{ name: 'label' }] });
    expect(integers.status, integers.text).toBe(200);
  });

  it('predicts what REST predicts for the same rows, through a client written from the specification', async () => {
    const lines = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/iris.csv'), 'utf8').trim().split('\n').slice(1);
    const rows = lines.filter((_, i) => i % 5 === 0).map((line) => Object.fromEntries(COLUMNS.map((c, k) => [c, Number(line.split(',')[k])])));
    const client = new InferenceClient(base, stack.api.tokens['viewer@example.com']!);
    // The same key routes both requests to the same version.
    const oip = await client.predict('oip', rows, { key: 'customer-9' });
    const rest = await call('POST', '/v1/models/oip/predict', { inputs: rows, key: 'customer-9' });
    expect(rest.status).toBe(200);
    const predictions = rest.body.predictions as { version: number; value: string; probabilities: Record<string, number> }[];
    expect(oip.version).toBe(String(predictions[0]!.version));
    expect(oip.rows).toEqual(predictions.map((p) => ({ label: p.value, probabilities: p.probabilities })));
    expect(new Set(oip.rows.map((r) => r.label))).toEqual(new Set(['setosa', 'versicolor', 'virginica']));
  });

  it('takes categorical columns as BYTES and answers a regression’s label as FP64, as REST predicts them', async () => {
    const client = new InferenceClient(base, stack.api.tokens['viewer@example.com']!);
    const metadata = await call('GET', '/v2/models/oip-claims');
    expect(metadata.body.inputs).toEqual(expect.arrayContaining([{ name: 'region', datatype: 'BYTES', shape: [-1] }, { name: 'channel', datatype: 'BYTES', shape: [-1] }, { name: 'age', datatype: 'FP64', shape: [-1] }]));
    expect((await call('GET', '/v2/models/oip-diabetes')).body.outputs).toEqual([{ name: 'label', datatype: 'FP64', shape: [-1] }, { name: 'prediction_id', datatype: 'BYTES', shape: [-1] }]);
    for (const [model, rows] of [['oip-claims', csvRows('examples/claims-private/claims.csv', 'claim', 150)], ['oip-diabetes', csvRows('examples/diabetes/diabetes.csv', 'progression', 20)]] as const) {
      // Missing values (claims has some) go as null, as in REST.
      if (model === 'oip-claims') expect(rows.some((row) => Object.values(row).includes(null))).toBe(true);
      const rest = await call('POST', `/v1/models/${model}/predict`, { inputs: rows });
      expect(rest.status, rest.text).toBe(200);
      const expected = (rest.body.predictions as { value: unknown; probabilities: Record<string, number> | null }[]).map((p) => ({ label: p.value, ...(p.probabilities ? { probabilities: p.probabilities } : {}) }));
      expect((await client.predict(model, rows)).rows).toEqual(expected);
    }
    // A sensitive column's bad value is refused without being quoted.
    const claim = csvRows('examples/claims-private/claims.csv', 'claim', 1000)[0]!;
    const inputs = Object.keys(claim).map((name) => tensor(name, [name === 'region' ? 'north' : claim[name]], typeof claim[name] === 'string' ? 'BYTES' : 'FP64'));
    const refused = await infer({ inputs: inputs.map((t) => (t.name === 'region' ? { ...t, data: [4711] } : t)) }, '/v2/models/oip-claims/infer');
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toMatch(/^inputs\[\d+\]\.data\[0\] of region must be a string/);
    expect(refused.text).not.toContain('4711');
    // Half of a surrogate pair is no text: refused at the door, over REST and V2, so it never reaches (and stalls) the prediction log.
    const lone = await call('POST', '/v1/models/oip-claims/predict', { inputs: [{ ...claim, channel: '\ud800' }] });
    expect([lone.status, lone.body.error]).toEqual([400, expect.objectContaining({ message: 'inputs[0].channel must be well-formed text (it holds half of a UTF-16 surrogate pair)' })]);
    const loneTensor = await infer({ inputs: inputs.map((t) => (t.name === 'channel' ? { ...t, data: ['\ud800'] } : t)) }, '/v2/models/oip-claims/infer');
    expect([loneTensor.status, loneTensor.body.error]).toEqual([400, expect.stringMatching(/of channel must be well-formed text/)]);
    // Any other path under /v2 is the protocol's 404, in its shape; a header key is ASCII (its bytes would read differently by client).
    const unknown = await call('GET', '/v2/models/oip-claims/infer');
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'The inference protocol has no GET /v2/models/oip-claims/infer' }]);
    const latin = await infer({ inputs }, '/v2/models/oip-claims/infer', { headers: { 'x-custody-key': 'm\u00fcller' } });
    expect([latin.status, latin.body]).toEqual([400, { error: 'x-custody-key must be printable ASCII; send any other key as parameters.key' }]);
    const loneKey = await call('POST', '/v1/models/oip-claims/predict', { inputs: [claim], key: 'policy-\udc00' });
    expect([loneKey.status, loneKey.body.error]).toEqual([400, expect.objectContaining({ message: 'key must be well-formed text (it holds half of a UTF-16 surrogate pair)' })]);
  });

  it('refuses bad tensors with 400 and {"error"} naming the tensor and the reason, never a 500', async () => {
    const rows = [VIRGINICA, SETOSA];
    const refusals: [unknown, RegExp][] = [
      [{ inputs: tensorsOf(rows).map((t) => (t.name === 'petal_length' ? { ...t, datatype: 'BYTES', data: ['5.1', '1.4'] } : t)) }, /^inputs\[2\]\.datatype BYTES does not fit petal_length, a numeric column/],
      [{ inputs: tensorsOf(rows).map((t) => (t.name === 'petal_width' ? tensor('petal_width', [1.8]) : t)) }, /^inputs\[3\]\.shape gives petal_width 1 rows, but sepal_length has 2/],
      [{ inputs: [...tensorsOf(rows), tensor('colour', ['blue', 'red'], 'BYTES')] }, /^inputs\[4\]\.name "colour" is not an input of this model \(its inputs are sepal_length, sepal_width, petal_length, petal_width\)/],
      [{ inputs: tensorsOf(rows).filter((t) => t.name !== 'sepal_width') }, /^inputs has no tensor sepal_width/],
      [{ inputs: tensorsOf(rows).map((t) => (t.name === 'petal_length' ? { ...t, data: [5.1, 'long'] } : t)) }, /^inputs\[2\]\.data\[1\] of petal_length must be a finite number/],
      [{ inputs: tensorsOf(rows).map((t) => (t.name === 'sepal_length' ? { ...t, shape: [3] } : t)) }, /^inputs\[0\]\.data holds 2 values for sepal_length, but its shape \[3\] says 3/],
      [{ inputs: tensorsOf(rows).map((t) => (t.name === 'sepal_length' ? { ...t, shape: [1, 2] } : t)) }, /^inputs\[0\]\.shape must be \[n\] or \[n, 1\]/],
      [{ inputs: tensorsOf(rows).map((t) => (t.name === 'sepal_length' ? { ...t, datatype: 'INT8', data: [5.9, 5.1] } : t)) }, /^inputs\[0\]\.data\[0\] of sepal_length must be an integer from -128 to 127/],
      [{ inputs: tensorsOf(rows), outputs: [{ name: 'explanation' }] }, /^outputs\[0\]\.name "explanation" is not an output of this model/],
      [{ inputs: tensorsOf(rows), parameters: { key: 7 } }, /^parameters\.key must be a string/],
      [{ inputs: tensorsOf(rows), id: 42 }, /^id must be a string/],
      [{ inputs: tensorsOf(rows), id: 'a\u0000b' }, /NUL/],
      [{ inputs: [] }, /^inputs must be a non-empty list of tensors/],
      [{ inputs: {} }, /^inputs must be a non-empty list/],
      [{ inputs: [null] }, /^inputs\[0\] must be a tensor object/],
      [{ inputs: [{ name: 'sepal_length', shape: 'x', datatype: 'FP64', data: [] }] }, /^inputs\[0\]\.shape must be/],
      [{ inputs: tensorsOf(Array(1001).fill(SETOSA)) }, /^inputs\[0\]\.shape must give 1 to 1000 rows/],
      [[], /^body must be a JSON object/],
    ];
    for (const [body, error] of refusals) {
      const answer = await infer(body);
      expect(answer.status, answer.text).toBe(400);
      expect(Object.keys(answer.body)).toEqual(['error']);
      expect(answer.body.error).toMatch(error);
    }
    const unreadable = await infer(undefined, undefined, { raw: '{"inputs": [' });
    expect(unreadable.status).toBe(400);
    expect(unreadable.body).toEqual({ error: expect.stringMatching(/^The request body cannot be read/) });
    const oversized = await infer(undefined, undefined, { raw: JSON.stringify({ inputs: [], padding: 'x'.repeat(1_100_000) }) });
    expect(oversized).toMatchObject({ status: 413, body: { error: expect.stringMatching(/^The request body is larger than the 1 MB limit/) } });
  });

  it('refuses without a token (401), and an undeployed version or unknown model (404), in the protocol’s shape', async () => {
    const request = { inputs: tensorsOf([SETOSA]) };
    expect(await infer(request, undefined, { as: null })).toMatchObject({ status: 401, body: { error: 'Not authenticated: an Authorization: Bearer <token> header is required' } });
    expect(await infer(request, undefined, { as: null, headers: { authorization: 'Bearer cus_not-a-token' } })).toMatchObject({ status: 401, body: { error: expect.any(String) } });
    // The held version is registered and awaits its approval: pinning it must not skip the gate.
    expect(await infer(request, `/v2/models/oip/versions/${versions.held}/infer`)).toEqual(expect.objectContaining({ status: 404, body: { error: `Model oip version ${versions.held} does not serve production` } }));
    expect(await infer(request, '/v2/models/oip/versions/99/infer')).toMatchObject({ status: 404, body: { error: 'Model oip version 99 does not serve production' } });
    expect(await infer(request, '/v2/models/oip/versions/latest/infer')).toMatchObject({ status: 404, body: { error: 'Model oip has no version "latest" serving production' } });
    expect(await infer(request, '/v2/models/nothing-here/infer')).toMatchObject({ status: 404, body: { error: 'Model nothing-here has no production deployment' } });
  });

  it('logs every prediction, with its version, role and key, and takes feedback by its prediction_id', async () => {
    const answer = await infer({ inputs: tensorsOf([VIRGINICA, SETOSA]), parameters: { key: 'customer-logged' } });
    expect(answer.status, answer.text).toBe(200);
    const ids = answer.body.outputs.find((o: { name: string }) => o.name === 'prediction_id').data as string[];
    const logged = async () => (await stack.database.db.execute(sql`select v.version, p.role, p.request_key, p.output from predictions p join model_versions v on v.id = p.model_version_id where p.id in ${ids}`)) as unknown as { version: number; role: string; request_key: string; output: { value: string } }[];
    const rows = await eventually(logged, (r) => r.length === 2, 10_000);
    expect(rows.map((r) => [String(r.version), r.request_key]).sort()).toEqual([[answer.body.model_version, 'customer-logged'], [answer.body.model_version, 'customer-logged']]);
    expect(rows.map((r) => r.output.value).sort()).toEqual(['setosa', 'virginica']);
    const feedback = await stack.api.data<{ recordFeedback: { label: string } }>('mutation($id: ID!) { recordFeedback(input: { predictionId: $id, label: "setosa" }) { label } }', { id: ids[1] });
    expect(feedback.recordFeedback.label).toBe('setosa');
  });

  it('routes as REST does: a key (parameter or header) sticks to one version, canaries take their share, and a pin serves the deployed version asked for', async () => {
    const request = { inputs: tensorsOf([SETOSA]), outputs: [{ name: 'label' }] };
    const served = async (body: unknown, route?: string, headers?: Record<string, string>) => {
      const answer = await infer(body, route, { headers });
      expect(answer.status, answer.text).toBe(200);
      return Number(answer.body.model_version);
    };
    const keyed = new Set<number>();
    for (let i = 0; i < 10; i++) keyed.add(await served({ ...request, parameters: { key: 'customer-42' } }));
    for (let i = 0; i < 10; i++) keyed.add(await served(request, undefined, { 'x-custody-key': 'customer-42' }));
    expect(keyed.size).toBe(1);
    const mismatch = await infer({ ...request, parameters: { key: 'a' } }, undefined, { headers: { 'x-custody-key': 'b' } });
    expect(mismatch).toMatchObject({ status: 400, body: { error: 'parameters.key differs from the x-custody-key header' } });
    // Unkeyed, each request goes one way at random: both versions within 60 requests (missing one: under 1 in 10^9).
    const unkeyed = new Set<number>();
    for (let i = 0; i < 60 && unkeyed.size < 2; i++) unkeyed.add(await served(request));
    expect([...unkeyed].sort()).toEqual([versions.primary, versions.canary].sort());
    for (const [version, role] of [[versions.primary, 'primary'], [versions.canary, 'canary']] as const) {
      const answer = await infer({ inputs: tensorsOf([SETOSA]) }, `/v2/models/oip/versions/${version}/infer`);
      expect(answer.body.model_version).toBe(String(version));
      const [id] = answer.body.outputs.find((o: { name: string }) => o.name === 'prediction_id').data as string[];
      const logged = async () => (await stack.database.db.execute(sql`select role from predictions where id = ${id!}`)) as unknown as { role: string }[];
      expect((await eventually(logged, (r) => r.length === 1, 10_000))[0]!.role).toBe(role);
    }
  });

  it('serves each model’s bundle alone with custody serve: the specification’s client gets what the stack answers, and the bundle’s Dockerfile is valid and runs just that', { timeout: 180_000 }, async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'custody-bundles-'));
    const engineer = stack.api.tokens['engineer@example.com']!;
    const stackClient = new InferenceClient(base, stack.api.tokens['viewer@example.com']!);
    const irisRows = csvRows('examples/iris/iris.csv', 'species', 5);
    const cases = [
      ['oip', versions.primary, irisRows],
      ['oip-claims', 1, csvRows('examples/claims-private/claims.csv', 'claim', 150)],
      ['oip-diabetes', 1, csvRows('examples/diabetes/diabetes.csv', 'progression', 20)],
    ] as const;
    try {
      for (const [model, version, rows] of cases) {
        const file = path.join(work, `${model}.tar.gz`);
        const exported = await fetch(`${base}/v1/models/${model}/versions/${version}/export?format=bundle`, { headers: { authorization: `Bearer ${engineer}` } });
        expect(exported.status, await exported.clone().text().catch(() => '')).toBe(200);
        writeFileSync(file, Buffer.from(await exported.arrayBuffer()));
        const served = await custodyServe(['serve', file, '--port', '0'], { CUSTODY_SERVE_TOKEN: 'bundle-token' });
        try {
          const bundleClient = new InferenceClient(served.url, 'bundle-token');
          const fromStack = await stackClient.predict(`${model}/versions/${version}`, rows);
          const fromBundle = await bundleClient.predict(`${model}/versions/${version}`, rows);
          expect(fromBundle).toEqual(fromStack);
          // REST predict answers the same values; without the token only health answers.
          const rest = await fetch(`${served.url}/v1/models/${model}/predict`, { method: 'POST', headers: { authorization: 'Bearer bundle-token', 'content-type': 'application/json' }, body: JSON.stringify({ inputs: rows }) });
          const predictions = ((await rest.json()) as { predictions: { value: unknown }[] }).predictions;
          expect(predictions.map((p) => p.value)).toEqual(fromStack.rows.map((r) => r.label));
          expect((await fetch(`${served.url}/v2/models/${model}/infer`, { method: 'POST', body: '{}' })).status).toBe(401);
          expect((await fetch(`${served.url}/v2/health/ready`)).status).toBe(200);
        } finally {
          await served.stop();
        }
      }

      // The Dockerfile, unpacked with the bundle: valid, built on Custody's image, and its ENTRYPOINT (run here from the
      // image's working directory, this checkout) serves the unpacked bundle, which its HEALTHCHECK finds ready.
      const dir = path.join(work, 'unpacked');
      mkdirSync(dir);
      execFileSync('tar', ['-xzf', path.join(work, 'oip.tar.gz'), '-C', dir]);
      const dockerfile = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
      expect(validateDockerfile(dockerfile)).toEqual([]);
      const instruction = (name: string) => dockerfile.split('\n').find((line) => line.startsWith(`${name} `))!.slice(name.length + 1);
      expect(instruction('FROM')).toBe(`custody:${CUSTODY_VERSION}`);
      expect(instruction('COPY')).toBe('--chown=node:node . /bundle');
      const image = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
      expect(image).toMatch(/^WORKDIR \/app$/m);
      expect(image).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
      const entrypoint = (JSON.parse(instruction('ENTRYPOINT')) as string[]).map((arg) => (arg === '/bundle' ? dir : arg === String(BUNDLE_PORT) ? '0' : arg));
      expect(entrypoint.slice(0, 3)).toEqual(['node', 'dist/cli/main.js', 'serve']);
      const fromImage = await custodyServe(entrypoint.slice(2), {}, entrypoint[1]);
      try {
        const health = (JSON.parse(instruction('HEALTHCHECK').replace(/^CMD /, '')) as string[]).map((arg) => arg.replace(`:${BUNDLE_PORT}/`, `:${new URL(fromImage.url).port}/`));
        expect(execFileSync(process.execPath, health.slice(1), { encoding: 'utf8' })).toBe('');
        expect((await new InferenceClient(fromImage.url, '').predict('oip', irisRows)).rows).toEqual((await stackClient.predict(`oip/versions/${versions.primary}`, irisRows)).rows);
      } finally {
        await fromImage.stop();
      }
      // Signed by a key it is not told to trust: custody serve refuses to start (exit 2), naming the signature.
      const other = path.join(work, 'other-key.pem');
      writeFileSync(other, generateSigningKey().key.publicKey.export({ type: 'spki', format: 'pem' }));
      await expect(custodyServe(['serve', dir, '--port', '0', '--public-key', other], {})).rejects.toThrow(/custody serve exited 2: .*manifest\.sig: signed by key .*, which is not among the trusted keys/);
      // One byte of the model changed: custody serve refuses to start (exit 2), naming the file.
      const artifact = path.join(dir, BUNDLE_PATHS.artifact);
      const changed = readFileSync(artifact);
      changed[changed.length >> 1] ^= 1;
      writeFileSync(artifact, changed);
      await expect(custodyServe(['serve', dir, '--port', '0'], {})).rejects.toThrow(`custody serve exited 2: custody: ${dir}: ${BUNDLE_PATHS.artifact}: sha256 differs from the manifest`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!inject('postgresAdminUrl'))('the Open Inference Protocol’s readiness', () => {
  it('is ready while the database answers, and not ready (400, as the protocol says: 4xx) once it is gone', { timeout: 60_000 }, async () => {
    const { api, database, close } = await apiWith({});
    try {
      const ready = () => fetch(api.url.replace(/\/graphql$/, '/v2/health/ready'));
      expect((await ready()).status).toBe(200);
      const admin = postgres(inject('postgresAdminUrl')!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database ${new URL((database as TestDatabase).url!).pathname.slice(1)} with (force)`).finally(() => admin.end());
      expect((await ready()).status).toBe(400);
      expect((await fetch(api.url.replace(/\/graphql$/, '/v2/health/live'))).status).toBe(200);
    } finally {
      await close().catch(() => undefined);
    }
  });
});
