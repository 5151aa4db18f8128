import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { PROJECT_ROOT } from '../../paths.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';
import { killGroup } from '../support/worker-process.js';

const FLOWER = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const STARTED = /custody serving: predictions at \S+ \(process (\d+)\)/g;

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The data plane as its own processes, on Postgres: what `npm run serving` and docker-compose's `serving` run. */
describe.skipIf(!inject('postgresAdminUrl'))('the data plane in processes of its own', () => {
  let stack: TestStack;
  let serving: ChildProcess;
  let output = '';
  let base = '';
  const pids = () => [...output.matchAll(STARTED)].map((m) => Number(m[1]));

  const release = async () => {
    const spec = exampleSpec('iris') as PipelineSpecInput;
    Object.assign(spec, { name: 'plane', model: 'plane', gates: [], deployment: { production: {} } });
    const { submitPipeline } = await stack.api.data<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } });
    await eventually(async () => (await stack.api.data<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id: submitPipeline.id })).pipelineRun.status, (s) => s === 'succeeded', 90_000);
  };
  const predict = async (token: string) => {
    const response = await fetch(`${base}/v1/models/plane/predict`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ inputs: [FLOWER] }) });
    return { status: response.status, body: (await response.json()) as { predictions?: { predictionId: string; version: number }[]; error?: { code: string; message: string } } };
  };

  beforeAll(async () => {
    stack = await startStack();
    await release();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    serving = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/serving/main.js')], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH!,
        LOG_LEVEL: 'warn',
        DATABASE_URL: stack.database.url!,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        CUSTODY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'custody-serving-')),
        CUSTODY_ARTIFACT_DIR: (stack.config.artifacts as { dir: string }).dir,
        CUSTODY_SERVING_PORT: String(port),
        CUSTODY_SERVING_PROCESSES: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    for (const stream of [serving.stdout!, serving.stderr!]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(async () => pids().length, (n) => n === 2, 60_000);
  }, 180_000);
  afterAll(async () => {
    if (serving) killGroup(serving, 'SIGKILL');
    await stack?.stop();
  });

  it('answers predictions with the API’s tokens and roles, logs them, and has no control plane', { timeout: 30_000 }, async () => {
    const answer = await predict(stack.api.tokens['viewer@example.com']!);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.predictions![0]!.version).toBe(1);
    const sql = postgres(stack.database.url!, { max: 1 });
    try {
      await eventually(async () => (await sql`select count(*)::int as n from predictions where id = ${answer.body.predictions![0]!.predictionId}`)[0]!.n, (n) => n === 1, 10_000);
    } finally {
      await sql.end();
    }
    expect((await predict('cus_not-a-token')).status).toBe(401);
    const graphql = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { name } }"}' });
    expect(graphql.status).toBe(404);
  });

  it('answers the Open Inference Protocol (V2) too, with the same tokens', { timeout: 30_000 }, async () => {
    expect((await fetch(`${base}/v2/health/ready`)).status).toBe(200);
    const inputs = Object.entries(FLOWER).map(([name, value]) => ({ name, shape: [1], datatype: 'FP64', data: [value] }));
    const infer = (headers: Record<string, string>) => fetch(`${base}/v2/models/plane/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ id: 'plane-1', inputs, outputs: [{ name: 'label' }] }) });
    const answer = await infer({ authorization: `Bearer ${stack.api.tokens['viewer@example.com']!}` });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ model_name: 'plane', model_version: '1', id: 'plane-1', outputs: [{ name: 'label', shape: [1], datatype: 'BYTES', data: ['setosa'] }] });
    const anonymous = await infer({});
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: expect.any(String) });
  });

  it('refuses a token revoked through the API at once, though it had just authenticated', { timeout: 30_000 }, async () => {
    const { createToken } = await stack.api.data<{ createToken: { token: string; details: { id: string } } }>('mutation { createToken(input: { name: "app@example.com", role: "viewer" }) { token details { id } } }', {}, 'admin@example.com');
    // Both processes remember it (for ten seconds, without a notification).
    for (let i = 0; i < 6; i++) expect((await predict(createToken.token)).status).toBe(200);
    await stack.api.data('mutation($id: ID!) { revokeToken(input: { id: $id }) { id } }', { id: createToken.details.id }, 'admin@example.com');
    const revokedAt = Date.now();
    await eventually(async () => (await Promise.all([predict(createToken.token), predict(createToken.token)])).map((a) => a.status), (s) => s.every((code) => code === 401), 10_000, 50);
    expect(Date.now() - revokedAt).toBeLessThan(3_000);
  });

  it('serves a new production version as soon as it is deployed', { timeout: 180_000 }, async () => {
    const token = stack.api.tokens['viewer@example.com']!;
    for (let i = 0; i < 6; i++) expect((await predict(token)).body.predictions![0]!.version).toBe(1);
    await release();
    const deployedAt = Date.now();
    await eventually(async () => (await Promise.all([predict(token), predict(token), predict(token)])).map((a) => a.body.predictions![0]!.version), (v) => v.every((n) => n === 2), 10_000, 50);
    expect(Date.now() - deployedAt).toBeLessThan(3_000);
  });

  it('loses no answered prediction when a serving process is killed under load, and replaces the process', { timeout: 90_000 }, async () => {
    const token = stack.api.tokens['viewer@example.com']!;
    const answered: string[] = [];
    let failed = 0;
    let loading = true;
    const loop = async () => {
      while (loading) {
        const answer = await predict(token).catch(() => null);
        if (answer?.status === 200) answered.push(...answer.body.predictions!.map((p) => p.predictionId));
        else failed++;
      }
    };
    const load = Array.from({ length: 8 }, loop);
    await eventually(async () => answered.length, (n) => n > 200, 20_000);
    const [victim] = pids();
    process.kill(victim!, 'SIGKILL');
    const killedAt = answered.length;
    await eventually(async () => pids().length, (n) => n === 3, 30_000);
    await eventually(async () => answered.length, (n) => n > killedAt + 200, 20_000);
    loading = false;
    await Promise.all(load);
    const sql = postgres(stack.database.url!, { max: 1 });
    try {
      const logged = async () => new Set((await sql`select id from predictions where id in ${sql(answered)}`).map((r) => r.id as string));
      const found = await eventually(logged, (ids) => ids.size === answered.length, 30_000);
      expect(found.size).toBe(answered.length);
    } finally {
      await sql.end();
    }
    expect(failed).toBeLessThan(answered.length / 10);
  });
});
