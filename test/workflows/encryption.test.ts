import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { TokensService } from '../../api/access/tokens.service.js';
import { EncryptionCodec, temporalDataConverter } from '../../clients/payload-codec.js';
import { PROJECT_ROOT } from '../../paths.js';
import { Keyring, newKeySpec } from '../../storage/encryption/keyring.js';
import { KeyringMismatchError, verifyKeyring } from '../../storage/encryption/verify-keyring.js';
import { installRuntime } from '../../worker/runtime.js';
import { createImportDir } from '../support/imports.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const MARKER = `marker-${randomBytes(6).toString('hex')}`;
const KEY = newKeySpec('k1');

/** Every payload of a history with where it sits, found by walking the decoded proto objects. */
function payloadsOf(value: unknown, at = 'history', found: { at: string; payload: temporal.api.common.v1.IPayload }[] = []) {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  if ('data' in value && 'metadata' in value && (value as { data: unknown }).data instanceof Uint8Array) found.push({ at, payload: value as temporal.api.common.v1.IPayload });
  else for (const [key, inner] of Object.entries(value)) payloadsOf(inner, `${at}.${key}`, found);
  return found;
}

/** With payload encryption on, a whole run leaves nothing readable in Temporal, and the codec server shows it to those with a token. */
describe('encrypted Temporal payloads and artifacts', () => {
  const imports = createImportDir();
  let stack: TestStack;
  let raw: Client;
  let runId: string;
  let workflowId: string;
  let history: temporal.api.history.v1.IHistory;
  const codecUrl = (p: string) => stack.api.url.replace(/\/graphql$/, `/codec/${p}`);

  beforeAll(async () => {
    // The marker is in the data too: every species name carries it, so the dataset and the model file hold it.
    imports.write('iris-marked.csv', imports.read('examples/iris/iris.csv').replace(/(setosa|versicolor|virginica)$/gm, `$1-${MARKER}`));
    stack = await startStack({ env: { CUSTODY_ENCRYPTION_KEYS: KEY, CUSTODY_IMPORT_DIR: imports.dir } });
    raw = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    const spec = parse(readFileSync(path.join(PROJECT_ROOT, 'examples/iris/pipeline.yaml'), 'utf8')) as Record<string, any>;
    Object.assign(spec, { name: 'sealed-iris', model: 'sealed-iris', description: `Planted ${MARKER} in the spec.` });
    spec.dataset = { ...spec.dataset, name: 'sealed-iris-data', file: 'iris-marked.csv', source: `source ${MARKER}` };
    spec.validation.columns.species.allowed = ['setosa', 'versicolor', 'virginica'].map((s) => `${s}-${MARKER}`);
    spec.training.search.space = { nEstimators: [10], maxDepth: [3] };
    const run = (await stack.api.data('mutation($t: String!) { submitPipeline(input: { specText: $t }) { id workflowId } }', { t: stringify(spec) })).submitPipeline;
    ({ id: runId, workflowId } = run);
    const status = async () => (await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id: runId })).pipelineRun.status;
    await eventually(status, (s) => s === 'awaiting_approval', 60_000);
    await stack.api.data('mutation($id: ID!, $c: String) { approveGate(input: { runId: $id, comment: $c }) { status } }', { id: runId, c: `approved ${MARKER}` }, 'approver@example.com');
    await eventually(status, (s) => s === 'succeeded', 60_000);
    history = await raw.workflow.getHandle(workflowId).fetchHistory();
  }, 180_000);
  afterAll(async () => {
    await raw?.connection.close();
    await stack?.stop();
  });

  it('leaves no trace of the spec, the data or a gate comment in the raw history', async () => {
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(bytes.includes(MARKER)).toBe(false);
    const payloads = payloadsOf(history);
    expect(payloads.length).toBeGreaterThan(20);
    // Search attributes stay readable by design (names, stages, statuses: no secrets), and so do the SDK's own
    // markers: patch ids, and a local activity's bookkeeping (its sequence number, type and times; its result is
    // sealed). Every other payload is sealed.
    const sdkOwn = /searchAttributes|markerRecordedEventAttributes\.details\.(patch-data|data)\./;
    const sealed = (payload: (typeof payloads)[number]['payload']) => new TextDecoder().decode(payload.metadata?.encoding ?? new Uint8Array()) === 'binary/encrypted';
    const clear = payloads.filter(({ at, payload }) => !sdkOwn.test(at) && !sealed(payload));
    // The trace context header stays readable too, as tracing across services needs: W3C trace context, ids only.
    const traceContext = clear.filter(({ at }) => at.endsWith('header.fields._tracer-data'));
    for (const { payload } of traceContext) expect(Object.keys(JSON.parse(new TextDecoder().decode(payload.data!))).filter((k) => !['traceparent', 'tracestate'].includes(k))).toEqual([]);
    const others = clear.filter((entry) => !traceContext.includes(entry));
    expect(others.map(({ at, payload }) => `${at}: ${new TextDecoder().decode(payload.data ?? new Uint8Array()).slice(0, 80)}`)).toEqual([]);
  });

  it('keeps no value of the data in any file of the artifact directory, and serves predictions from the sealed model', async () => {
    const dir = (stack.config.artifacts as { dir: string }).dir;
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    // The dataset and the model: both there, both sealed.
    const { pipelineRun } = await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { datasetVersion { sha256 } modelVersion { artifactSha256 } } }', { id: runId });
    const names = files.map((f) => path.basename(f));
    expect(names).toEqual(expect.arrayContaining([pipelineRun.datasetVersion.sha256, pipelineRun.modelVersion.artifactSha256]));
    expect(files.filter((f) => readFileSync(f).includes(MARKER))).toEqual([]);
    expect(files.every((f) => readFileSync(f).subarray(0, 6).toString() === 'CSEAL1')).toBe(true);
    const { predict } = await stack.api.data('mutation($inputs: [JSON!]!) { predict(input: { model: "sealed-iris", inputs: $inputs }) { value } }', {
      inputs: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }],
    });
    expect(predict.map((p: { value: string }) => p.value)).toEqual([`setosa-${MARKER}`]);
  });

  it('decodes the same history with the codec: the marker was there, sealed', async () => {
    const codec = new EncryptionCodec(stack.config.encryption!.keyring);
    const opened = await codec.decode(payloadsOf(history).map((p) => p.payload) as never);
    const clear = Buffer.concat(opened.map((p) => Buffer.from(p.data ?? new Uint8Array())));
    expect(clear.includes(`Planted ${MARKER}`)).toBe(true);
    expect(clear.includes(`approved ${MARKER}`)).toBe(true);
  });

  it('replays the encrypted history with the codec, and cannot without it', async () => {
    installRuntime({ logLevel: 'warn' });
    const bundle = { codePath: inject('workflowBundlePath') };
    await Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: temporalDataConverter(stack.config.encryption) }, history, workflowId);
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId)).rejects.toThrow();
  });

  it('serves /codec/decode to a token holder, through a bearer header or the console’s session cookie, and to nobody else', async () => {
    const input = payloadsOf(history).filter((p) => !/searchAttributes|markerRecorded/.test(p.at)).slice(0, 3).map(({ payload: p }) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    }));
    const post = (headers: Record<string, string>) => fetch(codecUrl('decode'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ payloads: input }) });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer cus_bogus' })).status).toBe(401);
    const engineer = stack.api.tokens['engineer@example.com']!;
    const decoded = (await (await post({ authorization: `Bearer ${engineer}` })).json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(decoded.payloads).toHaveLength(3);
    expect(Buffer.from(decoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');

    const session = await fetch(codecUrl('session'), { method: 'POST', headers: { authorization: `Bearer ${stack.api.tokens['viewer@example.com']}` } });
    expect(session.status).toBe(204);
    const cookie = session.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^custody_codec=[^;]+; Path=\/codec; HttpOnly; SameSite=Strict; Max-Age=43200/);
    const withCookie = { cookie: cookie.split(';')[0]!, origin: 'http://localhost:8233' };
    const allowed = await post(withCookie);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    // A forged cookie, and the cookie of a token since revoked, are refused.
    const [name, value] = withCookie.cookie.split('=');
    const [tokenId, expires, signature] = value!.split('.');
    const forged = [`${tokenId}.${Number(expires) + 86_400}.${signature}`, `${tokenId}.${expires}.${signature!.slice(0, -1)}${signature!.endsWith('A') ? 'B' : 'A'}`, `${tokenId}.${expires}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`];
    for (const cookie of forged) expect((await post({ cookie: `${name}=${cookie}` })).status).toBe(401);
    const tokens = stack.api.app.get(TokensService);
    const viewer = (await tokens.list()).find((t) => t.principalName === 'viewer@example.com')!;
    await tokens.revoke(viewer.id, { name: 'admin@example.com', role: 'admin' });
    expect((await post(withCookie)).status).toBe(401);
  });

  it('decodes for the Temporal CLI through the codec server with a token, and shows it ciphertext without one', async () => {
    const cli = process.env.TEMPORAL_CLI;
    expect(cli, 'npm test sets TEMPORAL_CLI').toBeTruthy();
    const show = (extra: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(cli!, ['workflow', 'show', '--address', inject('temporalAddress'), '--workflow-id', workflowId, '--output', 'json', ...extra], { maxBuffer: 64 * 2 ** 20 }, (error, stdout) => resolve({ code: error ? 1 : 0, stdout })),
      );
    const endpoint = stack.api.url.replace(/\/graphql$/, '/codec');
    // The JSON output keeps payloads' data in base64: read each one.
    const readable = (stdout: string) => JSON.stringify(JSON.parse(stdout), (key, value: unknown) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
    const decoded = await show(['--codec-endpoint', endpoint, '--codec-auth', `Bearer ${stack.api.tokens['engineer@example.com']}`]);
    expect(decoded.code).toBe(0);
    expect(readable(decoded.stdout)).toContain(`approved ${MARKER}`);
    const sealed = await show([]);
    expect(sealed.code).toBe(0);
    expect(readable(sealed.stdout)).not.toContain(MARKER);
    // Without a token the codec server refuses, and the CLI shows nothing in clear.
    const refused = await show(['--codec-endpoint', endpoint]);
    expect(refused.stdout.includes(MARKER) || (refused.code === 0 && readable(refused.stdout).includes(MARKER))).toBe(false);
  });

  it('answers the Temporal UI’s credential-less requests with 401 without counting them as refused authentications', async () => {
    // The UI asks once per payload shown; 100 of them would pass the default limit of 60 refusals a minute.
    const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(codecUrl('decode'), { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://localhost:8233' }, body: '{"payloads":[]}' })));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
    expect(await answers[0]!.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    const page = await fetch(stack.api.url.replace(/\/graphql$/, '/runs'), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    // Not rate-limited (429): a refused request is still answered as a refusal, and counted from here on.
    const anonymous = await stack.api.gql('{ me { name } }', {}, { as: null });
    expect(anonymous.status).not.toBe(429);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers the Temporal UI’s preflight for its own origin only', async () => {
    const preflight = (origin: string) => fetch(codecUrl('decode'), { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    const ui = await preflight('http://localhost:8233');
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-headers')).toContain('x-namespace');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bad codec input by field', async () => {
    const response = await fetch(codecUrl('decode'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.api.tokens['engineer@example.com']}` }, body: JSON.stringify({ payloads: [{ data: 'not base64!' }] }) });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('payloads.0.data must be base64 text');
    // protojson writes an empty list of payloads (an update without arguments) as `{}`: decoded as nothing, not refused,
    // or the Temporal CLI retries it until its deadline and shows no history at all.
    const empty = await fetch(codecUrl('decode'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.api.tokens['engineer@example.com']}` }, body: '{}' });
    expect([empty.status, await empty.json()]).toEqual([200, { payloads: [] }]);
  });

  it('stops a process whose key id now names another key, before it writes anything', async () => {
    await expect(verifyKeyring(stack.database, stack.config.encryption!.keyring)).resolves.toBeUndefined();
    const impostor = new Keyring([{ id: 'k1', key: randomBytes(32) }], 'k1');
    await expect(verifyKeyring(stack.database, impostor)).rejects.toThrow(KeyringMismatchError);
    await expect(verifyKeyring(stack.database, impostor)).rejects.toThrow(/key "k1" is not the key that id named/);
    // A new key under a new id is fine, and rotation keeps the old one able to decrypt.
    await expect(verifyKeyring(stack.database, new Keyring([stack.config.encryption!.keyring.key('k1') && { id: 'k1', key: stack.config.encryption!.keyring.key('k1') }, { id: 'k2', key: randomBytes(32) }], 'k2'))).resolves.toBeUndefined();
  });
});
