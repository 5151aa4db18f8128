import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const flower = { sepal_length: 5.9, sepal_width: 3.0, petal_length: 5.1, petal_width: 1.8 };

describe('serving', () => {
  let stack: TestStack;
  let canaryRunId: string;
  beforeAll(async () => {
    stack = await startStack();
    const release = async (change: (s: PipelineSpecInput) => void) => {
      const spec = exampleSpec('iris') as PipelineSpecInput;
      spec.name = 'serve-iris';
      spec.model = 'served';
      spec.gates = [];
      change(spec);
      const response = await stack.api.gql<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } });
      return response.data!.submitPipeline.id;
    };
    const status = async (id: string) => (await stack.api.gql<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id })).data!.pipelineRun.status;
    // Version 1 in production, then version 2 held at a 30% canary for long enough to test against.
    const first = await release((s) => (s.deployment = { production: {} }));
    await eventually(() => status(first), (s) => s === 'succeeded', 60_000);
    canaryRunId = await release((s) => (s.deployment = { production: { canary: [30], bakeTime: '10m' } }));
    await eventually(
      async () => (await stack.api.gql<{ model: { currentDeployments: { role: string }[] } }>('{ model(input: { name: "served" }) { currentDeployments { role } } }')).data!.model.currentDeployments,
      (deployments) => deployments.some((d) => d.role === 'canary'),
      60_000,
    );
  }, 180_000);
  afterAll(async () => {
    if (canaryRunId) await stack?.api.gql('mutation($id: ID!) { cancelRun(input: { runId: $id }) { id } }', { id: canaryRunId });
    await stack?.stop();
  });

  const predict = (inputs: unknown[], key?: string) =>
    stack.api.gql<{ predict: { predictionId: string; version: number; role: string; value: string; probabilities: Record<string, number> }[] }>(
      'mutation($input: PredictInput!) { predict(input: $input) { predictionId version role value probabilities } }',
      { input: { model: 'served', inputs, key } },
      { as: 'viewer@example.com' },
    );

  it('splits traffic by the canary percentage within a binomial bound on 2,000 requests', async () => {
    const roles: string[] = [];
    for (let i = 0; i < 2; i++) roles.push(...(await predict(Array(1000).fill(flower))).data!.predict.map((p) => p.role));
    const canary = roles.filter((r) => r === 'canary').length;
    // 30% of 2,000, within 4.5 standard deviations of a binomial (σ ≈ 20.5): a false alarm is about 1 in 150,000.
    expect(Math.abs(canary - 600)).toBeLessThan(4.5 * Math.sqrt(2000 * 0.3 * 0.7));
  });

  it('serves the same request key from the same version every time', async () => {
    const versions = new Set<number>();
    for (let i = 0; i < 20; i++) versions.add((await predict([flower], 'customer-42')).data!.predict[0]!.version);
    expect(versions.size).toBe(1);
  });

  it('answers over REST with classes and probabilities', async () => {
    const response = await fetch(stack.api.url.replace('/graphql', '/v1/models/served/predict'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.api.tokens['viewer@example.com']}` },
      body: JSON.stringify({ inputs: [flower, { ...flower, petal_length: 1.4, petal_width: 0.2 }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: { value: string; probabilities: Record<string, number> }[] };
    expect(body.predictions.map((p) => p.value)).toEqual(['virginica', 'setosa']);
    expect(Object.values(body.predictions[0]!.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('answers REST predict on its fast path exactly as the framework does, refusals included', async () => {
    const url = stack.api.url.replace('/graphql', '/v1/models/served/predict');
    const viewer = `Bearer ${stack.api.tokens['viewer@example.com']}`;
    const requests: { authorization?: string; body: string }[] = [
      { authorization: viewer, body: JSON.stringify({ inputs: [flower], key: 'customer-7' }) },
      { authorization: viewer, body: '{"inputs": [' },
      { authorization: viewer, body: JSON.stringify({ inputs: [{ ...flower, sepal_length: 'a\u0000b' }] }) },
      { authorization: viewer, body: JSON.stringify({ inputs: [flower], key: 7 }) },
      { authorization: viewer, body: JSON.stringify([flower]) },
      { authorization: viewer, body: JSON.stringify({ inputs: [] }) },
      { authorization: 'Bearer not-a-token', body: JSON.stringify({ inputs: [flower] }) },
      { body: JSON.stringify({ inputs: [flower] }) },
    ];
    const send = async ({ authorization, body }: { authorization?: string; body: string }, framework: boolean) => {
      // A request with an Origin header is one the fast path leaves to the framework (CORS is the framework's).
      const headers = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}), ...(framework ? { origin: 'http://127.0.0.1' } : {}) };
      const response = await fetch(url, { method: 'POST', headers, body });
      const answer = (await response.json()) as { predictions?: Record<string, unknown>[] };
      for (const p of answer.predictions ?? []) {
        delete p.predictionId;
        delete p.latencyMs;
      }
      const security = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'strict-transport-security'].map((h) => response.headers.get(h));
      return { status: response.status, answer, security, etag: response.headers.has('etag') };
    };
    for (const request of requests) {
      const fast = await send(request, false);
      const framework = await send(request, true);
      expect({ ...fast, etag: undefined }, request.body).toEqual({ ...framework, etag: undefined });
      expect(fast.security.every((h) => h !== null)).toBe(true);
      // Express tags what it answers; the fast path does not, which shows which one answered.
      if (fast.status === 200) expect([fast.etag, framework.etag]).toEqual([false, true]);
    }
    expect((await send(requests[0]!, false)).status).toBe(200);
  });

  it('explains a prediction when asked: exact SHAP values per column adding up to the served probability, the same over GraphQL and both REST paths', async () => {
    const inputs = [flower, { ...flower, petal_length: 1.4, petal_width: 0.2 }];
    const { data } = await stack.api.gql<{ predict: { version: number; value: string; probabilities: Record<string, number>; explanation: any }[] }>(
      'mutation($input: PredictInput!) { predict(input: $input) { version value probabilities explanation { of link base output contributions { feature value } } } }',
      { input: { model: 'served', inputs, key: 'customer-42', explain: true } },
      { as: 'viewer@example.com' },
    );
    for (const p of data!.predict) {
      // A forest classifier's output is its class share; the class explained is the one predicted.
      expect(p.explanation).toMatchObject({ of: p.value, link: 'identity' });
      expect(p.explanation.output).toBeCloseTo(p.probabilities[p.value]!, 9);
      const sum = p.explanation.contributions.reduce((a: number, c: { value: number }) => a + c.value, p.explanation.base);
      expect(Math.abs(sum - p.explanation.output)).toBeLessThan(1e-9);
      expect(p.explanation.contributions.map((c: { feature: string }) => c.feature).sort()).toEqual(Object.keys(flower).sort());
    }
    // Without explain, nothing is computed or sent.
    const plain = await stack.api.gql<{ predict: { explanation: unknown }[] }>('mutation($input: PredictInput!) { predict(input: $input) { explanation { base } } }', { input: { model: 'served', inputs: [flower] } }, { as: 'viewer@example.com' });
    expect(plain.data!.predict).toEqual([{ explanation: null }]);
    const url = stack.api.url.replace('/graphql', '/v1/models/served/predict');
    const rest = async (query: string, framework: boolean) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${stack.api.tokens['viewer@example.com']}`, ...(framework ? { origin: 'http://127.0.0.1' } : {}) };
      const response = await fetch(`${url}${query}`, { method: 'POST', headers, body: JSON.stringify({ inputs, key: 'customer-42' }) });
      const body = (await response.json()) as { predictions?: { explanation?: unknown }[]; error?: { message: string } };
      return { status: response.status, explanations: body.predictions?.map((p) => p.explanation), error: body.error?.message };
    };
    for (const framework of [false, true]) {
      expect(await rest('?explain=true', framework)).toEqual({ status: 200, explanations: data!.predict.map((p) => p.explanation), error: undefined });
      expect((await rest('?explain=false', framework)).explanations).toEqual([undefined, undefined]);
      const refused = await rest('?explain=maybe', framework);
      expect(refused.status).toBe(400);
      expect(refused.error).toBe('explain must be true or false');
    }
  });

  it('refuses bad input with an error naming the field, over GraphQL and REST', async () => {
    const gql = await predict([flower, { ...flower, petal_length: 'long' }]);
    expect(gql.errors![0]).toMatchObject({ message: 'inputs[1].petal_length must be a number (got "long")', extensions: { code: 'BAD_USER_INPUT' } });
    const rest = await fetch(stack.api.url.replace('/graphql', '/v1/models/served/predict'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.api.tokens['viewer@example.com']}` },
      body: JSON.stringify({ inputs: [{ sepal_length: 5 }] }),
    });
    expect(rest.status).toBe(400);
    const why = 'is missing (send null for a value that is missing on purpose)';
    expect(await rest.json()).toEqual({ error: { code: 'BAD_USER_INPUT', message: `inputs[0].sepal_width ${why}`, issues: [{ path: 'inputs[0].sepal_width', message: why }] } });
    // null is a value missing on purpose: the model imputes it as it learned to in training.
    const imputed = await predict([{ ...flower, sepal_width: null }]);
    expect(imputed.errors).toBeUndefined();
    expect(imputed.data!.predict).toHaveLength(1);
    const anonymous = await fetch(stack.api.url.replace('/graphql', '/v1/models/served/predict'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs":[]}' });
    expect(anonymous.status).toBe(401);
    const unknown = await stack.api.gql('mutation { predict(input: { model: "nothing-here", inputs: [{}] }) { value } }');
    expect(unknown.errors![0]!.message).toBe('Model nothing-here has no production deployment');
  });

  it('logs every prediction and takes its label later, once', async () => {
    const [served] = (await predict([flower])).data!.predict;
    await eventually(async () => (await stack.api.gql<{ servingStats: { pending: number; logged: number; lost: number } }>('{ servingStats { pending logged lost } }')).data!.servingStats, (s) => s.pending === 0 && s.logged > 2000, 10_000);
    const label = await stack.api.gql<{ recordFeedback: { label: string } }>('mutation($id: ID!) { recordFeedback(input: { predictionId: $id, label: "virginica" }) { label } }', { id: served!.predictionId });
    expect(label.data!.recordFeedback.label).toBe('virginica');
    const again = await stack.api.gql('mutation($id: ID!) { recordFeedback(input: { predictionId: $id, label: "setosa" }) { label } }', { id: served!.predictionId });
    expect(again.errors![0]!.extensions!.code).toBe('CONFLICT');
    const stats = await stack.api.gql<{ servingStats: { lost: number } }>('{ servingStats { lost } }');
    expect(stats.data!.servingStats.lost).toBe(0);
  });

  it('keeps predictions the database refuses in its spool until it takes them, and writes what a dead process left', async () => {
    const stats = async () => (await stack.api.gql<{ servingStats: { pending: number; logged: number; lost: number } }>('{ servingStats { pending logged lost } }')).data!.servingStats;
    const inLog = async (ids: string[]) => (await stack.database.db.execute(sql`select id::text from predictions where id in ${ids}`)) as unknown as { id: string }[];
    await eventually(stats, (s) => s.pending === 0);
    // The database refuses every write while the table is away.
    await stack.database.db.execute(sql.raw('alter table predictions rename to predictions_away'));
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) ids.push(...(await predict([flower])).data!.predict.map((p) => p.predictionId));
      await eventually(stats, (s) => s.pending === 3, 10_000);
      const spool = stack.config.serving.spoolDir;
      expect(readdirSync(spool).length).toBeGreaterThanOrEqual(1);
      // Served inputs on disk are this process's alone.
      expect(statSync(spool).mode & 0o777).toBe(0o700);
      for (const file of readdirSync(spool)) expect(statSync(path.join(spool, file)).mode & 0o777).toBe(0o600);
    } finally {
      await stack.database.db.execute(sql.raw('alter table predictions_away rename to predictions'));
    }
    await eventually(stats, (s) => s.pending === 0, 15_000);
    expect((await inLog(ids)).length).toBe(3);
    expect((await stats()).lost).toBe(0);

    // A segment of a process that died before its batch was written: the next flush round takes it over, once.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const [row] = (await stack.database.db.execute(sql`select model_id, model_version_id from predictions where id = ${ids[0]!}`)) as unknown as { model_id: string; model_version_id: string }[];
    const orphan = { id: randomUUID(), modelId: row!.model_id, modelVersionId: row!.model_version_id, role: 'primary', requestKey: null, inputs: flower, output: { value: 'virginica' }, latencyMs: 1, createdAt: new Date() };
    const file = path.join(stack.config.serving.spoolDir, `${dead.pid}-0badc0de-0.jsonl`);
    writeFileSync(file, `${JSON.stringify(orphan)}\n{"id": "torn mid-wr`);
    await eventually(() => inLog([orphan.id]), (rows) => rows.length === 1, 15_000);
    expect(existsSync(file)).toBe(false);
  });

  it('counts predictions and their latency in /metrics, which parses as Prometheus text and needs a token', async () => {
    const base = stack.api.url.replace(/graphql$/, 'metrics');
    const scrape = async () => {
      const response = await fetch(base, { headers: { authorization: `Bearer ${stack.api.tokens['viewer@example.com']}` } });
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parsePrometheusTextFormat(await response.text());
    };
    const total = (families: Awaited<ReturnType<typeof scrape>>, name: string, labels: Record<string, string> = {}) =>
      (families.find((f) => f.name === name)?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)).reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
    const before = await scrape();
    const flowers = Array.from({ length: 7 }, () => ({ sepal_length: 5.9, sepal_width: 3.0, petal_length: 5.1, petal_width: 1.8 }));
    expect((await predict(flowers)).errors).toBeUndefined();
    const after = await scrape();
    expect(total(after, 'custody_predictions_total', { model: 'served' }) - total(before, 'custody_predictions_total', { model: 'served' })).toBe(7);
    const latency = after.find((f) => f.name === 'custody_prediction_duration_seconds')!;
    expect(latency.type).toBe('HISTOGRAM');
    expect(total(after, 'custody_runs', { status: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(after.map((f) => f.name)).toEqual(expect.arrayContaining(['custody_gates_waiting', 'custody_gate_oldest_wait_seconds', 'custody_webhook_deliveries', 'custody_prediction_log_rows_total']));
    expect((await fetch(base)).status).toBe(401);
  });
});
