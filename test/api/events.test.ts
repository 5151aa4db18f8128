import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from '../../activities/events/signature.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { recordHistory } from '../support/histories.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

/** A quick release of iris (no gate); with `canary`, a canary whose check always fails, so it is rolled back. */
function spec(model: string, options: { canary?: boolean } = {}): PipelineSpecInput {
  return {
    name: model,
    dataset: { name: 'iris', file: 'examples/iris/iris.csv' },
    task: 'classification',
    target: 'species',
    training: { trainer: 'logistic-regression', params: { numSteps: options.canary ? 250 : 200 } },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    deployment: { production: options.canary ? { canary: [20], checks: { thresholds: { accuracy: { max: 0.5 } } } } : {} },
  };
}

describe('registry events and webhooks', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The receivers listen on loopback, which webhooks may reach only when allowed.
    stack = await startStack({ env: { CUSTODY_WEBHOOK_ALLOW_RANGES: '127.0.0.0/8' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown> = {}, as = 'admin@example.com') => stack.api.data(query, variables, as);
  const subscribe = async (url: string, events: string[], model?: string) =>
    (await gql('mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url events model active } } }', { input: { url, events, model } })).createWebhook as {
      secret: string;
      webhook: { id: string };
    };
  const release = async (s: PipelineSpecInput) => {
    const { submitPipeline } = await gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: s } }, 'engineer@example.com');
    return await eventually(
      async () => (await gql('query($id: ID!) { pipelineRun(input: { runId: $id }) { id status } }', { id: submitPipeline.id })).pipelineRun,
      (r) => !['running', 'awaiting_approval'].includes(r.status),
      60_000,
    );
  };
  const deliveries = async (webhookId: string) =>
    (await gql('query($id: ID!) { webhookDeliveries(input: { webhookId: $id }) { id status attempts lastStatusCode lastError workflowId event { type model } } }', { id: webhookId })).webhookDeliveries as any[];

  it('retries a failing delivery with backoff until the receiver takes it, signed the same way every time', { timeout: 120_000 }, async () => {
    const hooks = await startWebhookReceiver((n) => (n <= 2 ? 500 : 200));
    try {
      const { secret, webhook } = await subscribe(hooks.url, ['model.registered'], 'flaky-receiver');
      expect((await release(spec('flaky-receiver'))).status).toBe('succeeded');
      const [delivery] = await eventually(() => deliveries(webhook.id), (d) => d[0]?.status === 'delivered', 60_000);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, event: { type: 'model.registered', model: 'flaky-receiver' } });

      expect(hooks.received.map((r) => r.status)).toEqual([500, 500, 200]);
      // The same event each time, each attempt signed afresh with the webhook's secret.
      expect(new Set(hooks.received.map((r) => r.body)).size).toBe(1);
      for (const r of hooks.received) {
        expect(r.headers['custody-event']).toBe('model.registered');
        expect(r.headers['custody-delivery']).toBe(delivery.id);
        expect(verifySignature(secret, r.body, r.headers['custody-signature'] as string)).toBe(true);
        expect(verifySignature('whsec_someone-else', r.body, r.headers['custody-signature'] as string)).toBe(false);
      }
      // Exponential backoff: Temporal waits at least 1 s, then at least 2 s, between the attempts.
      const [a, b, c] = hooks.received.map((r) => r.at);
      expect(b! - a!).toBeGreaterThanOrEqual(900);
      expect(c! - b!).toBeGreaterThanOrEqual(1900);
      expect(hooks.received[2]!.json).toMatchObject({ type: 'model.registered', model: 'flaky-receiver', data: { version: 1, metrics: { accuracy: expect.any(Number) } } });
      recordHistory(delivery.workflowId, 'webhook-delivered-after-retries');
    } finally {
      await hooks.close();
    }
  });

  it('cancels the pending deliveries of a webhook that is disabled', { timeout: 120_000 }, async () => {
    const hooks = await startWebhookReceiver(() => 503);
    try {
      const { webhook } = await subscribe(hooks.url, ['model.*'], 'unreachable');
      expect((await release(spec('unreachable'))).status).toBe('succeeded');
      await eventually(() => deliveries(webhook.id), (d) => d[0]?.attempts >= 1, 30_000);
      const disabled = await gql('mutation($id: ID!) { disableWebhook(input: { id: $id }) { active } }', { id: webhook.id });
      expect(disabled.disableWebhook.active).toBe(false);
      const [delivery] = await eventually(() => deliveries(webhook.id), (d) => d[0]?.status === 'cancelled', 30_000);
      expect(delivery).toMatchObject({ lastError: 'the webhook was disabled', lastStatusCode: 503 });
      const result = await stack.worker.client.workflow.getHandle(delivery.workflowId).result();
      expect(result).toMatchObject({ status: 'cancelled' });
    } finally {
      await hooks.close();
    }
  });

  it('publishes every registry change: new versions, stage changes, and a rollback saying what serves after it', { timeout: 120_000 }, async () => {
    const hooks = await startWebhookReceiver();
    try {
      await subscribe(hooks.url, ['*'], 'rolled');
      expect((await release(spec('rolled'))).status).toBe('succeeded');
      const second = await release(spec('rolled', { canary: true }));
      expect(second.status).toBe('rolled_back');
      const events = await eventually(
        async () => (await gql('{ events(input: { model: "rolled", first: 50 }) { nodes { type message data } } }')).events.nodes as any[],
        (e) => e.some((x) => x.type === 'deployment.rolled_back'),
        30_000,
      );
      expect(events.map((e) => e.type).reverse()).toEqual(['model.registered', 'deployment.started', 'model.registered', 'deployment.started', 'deployment.rolled_back']);
      const rollback = events[0]!;
      // Only a canary of v2 had started, so nothing needed restoring: v1 served production throughout.
      expect(rollback).toMatchObject({ data: { runId: second.id, stage: 'production', restoredVersion: null, servingVersion: 1 } });
      expect(rollback.message).toBe(`rolled: run ${second.id}'s rollout on production was rolled back; v1 serves production`);
      expect(events[1]).toMatchObject({ type: 'deployment.started', data: { version: 2, role: 'canary', trafficPercent: 20 } });
      const received = await eventually(async () => hooks.accepted(), (r) => r.length === 5, 30_000);
      expect(received.map((r) => r.json.type).sort()).toEqual([...events.map((e) => e.type)].sort());
      const everything = await gql('{ events(input: { model: "rolled", type: "*" }) { nodes { type } } }');
      expect(everything.events.nodes).toHaveLength(5);
      const onlyDeployments = await gql('{ events(input: { model: "rolled", type: "deployment.*" }) { nodes { type } } }');
      expect(onlyDeployments.events.nodes.map((e: { type: string }) => e.type)).toEqual(['deployment.rolled_back', 'deployment.started', 'deployment.started']);
    } finally {
      await hooks.close();
    }
  });

  it('refuses a bad webhook with the field and the reason; only admins manage webhooks', async () => {
    const bad = async (input: Record<string, unknown>) => (await stack.api.gql('mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }', { input }, { as: 'admin@example.com' })).errors![0]!;
    expect(await bad({ url: 'ftp://example.com/x', events: ['*'] })).toMatchObject({ message: 'input.url must be an http or https URL', extensions: { code: 'BAD_USER_INPUT' } });
    expect(await bad({ url: 'not a url', events: ['*'] })).toMatchObject({ message: 'input.url must be an http or https URL' });
    expect(await bad({ url: 'https://user:pw@example.com/', events: ['*'] })).toMatchObject({ message: 'input.url must not carry credentials; verify the signature instead' });
    expect(await bad({ url: 'https://example.com/', events: [] })).toMatchObject({ message: 'input.events must list 1 to 20 event types' });
    expect(await bad({ url: 'https://example.com/', events: ['model.registered', 'Deploy Everything'] })).toMatchObject({
      message: 'input.events[1] must be an event type, a prefix such as deployment.*, or * (got "Deploy Everything")',
      extensions: { issues: [{ path: 'input.events[1]' }] },
    });
    const engineer = await stack.api.gql('mutation { createWebhook(input: { url: "https://example.com/", events: ["*"] }) { secret } }');
    expect(engineer.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const viewer = await stack.api.gql('{ webhooks { url } }', {}, { as: 'viewer@example.com' });
    expect(viewer.errors![0]!.message).toBe('Forbidden: webhooks needs the role admin; viewer@example.com is viewer');
    const unknown = await stack.api.gql('mutation { disableWebhook(input: { id: "00000000-0000-4000-8000-000000000000" }) { id } }', {}, { as: 'admin@example.com' });
    expect(unknown.errors![0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('pages through events written within one millisecond without losing any', async () => {
    // Three events a few microseconds apart: the cursor (a JavaScript Date) holds milliseconds only.
    for (const [i, at] of ['2026-01-01 00:00:00.123401+00', '2026-01-01 00:00:00.123402+00', '2026-01-01 00:00:00.123403+00'].entries()) {
      await stack.database.db.execute(sql`insert into events (key, type, model_name, message, data, created_at) values (${`paging-${i}`}, 'alert.retraining_skipped', 'paged', 'm', '{}', ${at}::timestamptz)`);
    }
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = await gql('query($after: String) { events(input: { model: "paged", first: 1, after: $after }) { nodes { id } pageInfo { hasNextPage endCursor } } }', { after });
      seen.push(...page.events.nodes.map((n: { id: string }) => n.id));
      after = page.events.pageInfo.hasNextPage ? page.events.pageInfo.endCursor : null;
    } while (after);
    expect(new Set(seen).size).toBe(3);
  });

  it('signatures expire: a captured request replayed later does not verify', () => {
    const body = '{"id":"x"}';
    const header = signPayload('whsec_k', body, 1_000_000);
    expect(verifySignature('whsec_k', body, header, { now: 1_000_100 })).toBe(true);
    expect(verifySignature('whsec_k', body, header, { now: 1_000_000 + 301 })).toBe(false);
    expect(verifySignature('whsec_k', '{"id":"y"}', header, { now: 1_000_100 })).toBe(false);
    expect(verifySignature('whsec_k', body, 'garbage', { now: 1_000_100 })).toBe(false);
  });
});
