import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedReason } from '../../clients/webhook-targets.js';
import { publishEvent } from '../../clients/events.js';
import { createRepositories } from '../../db/repositories/index.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

describe('which addresses may receive webhooks', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::7f00:1', 'a reserved (IPv4-compatible) address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.5.4', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['fd00:ec2::254', 'a private address'],
    ['169.254.169.254', 'a link-local (where cloud metadata services answer) address'],
    ['fe80::1', 'a link-local (where cloud metadata services answer) address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['0.0.0.0', 'a unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['8.8.8.8', null],
    ['2001:4860:4860::8888', null],
  ])('%s: %s', (address, expected) => {
    expect(blockedReason(address, [])).toBe(expected);
  });

  it('lets an allow-listed range through, and only that range', () => {
    expect(blockedReason('10.1.2.3', ['10.0.0.0/8'])).toBeNull();
    expect(blockedReason('192.168.1.1', ['10.0.0.0/8'])).toBe('a private address');
    expect(blockedReason('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBeNull();
  });
});

/** The defence against server-side request forgery: no webhook reaches loopback, private or metadata addresses. */
describe('webhook URLs, screened', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    stack = await startStack();
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  const create = (url: string) => stack.api.gql('mutation($url: String!) { createWebhook(input: { url: $url, events: ["*"] }) { secret } }', { url }, { as: 'admin@example.com' });
  const port = () => new URL(receiver.url).port;

  it('refuses, at creation, a host name that resolves to 127.0.0.1, and addresses that are private or metadata', async () => {
    expect((await create(`http://localhost:${port()}/hooks`)).errors![0]).toMatchObject({
      message: 'input.url must reach a public address: localhost resolves to 127.0.0.1, a loopback address; only public addresses receive webhooks unless CUSTODY_WEBHOOK_ALLOW_RANGES holds it',
      extensions: { code: 'BAD_USER_INPUT', issues: [{ path: 'input.url' }] },
    });
    expect((await create('http://169.254.169.254/latest/meta-data/')).errors![0]!.message).toMatch(/169\.254\.169\.254, a link-local \(where cloud metadata services answer\) address/);
    expect((await create('http://[::ffff:7f00:1]:8080/')).errors![0]!.message).toMatch(/resolves to ::ffff:7f00:1, a loopback address/);
    expect((await create('http://10.0.0.8/')).errors![0]!.message).toMatch(/10\.0\.0\.8, a private address/);
    // A name that does not resolve yet is kept: every delivery screens it again.
    expect((await create('https://hooks.invalid/custody')).errors).toBeUndefined();
  });

  it('checks again at delivery: a URL that resolves to loopback by then is refused for good, and nothing is sent', { timeout: 60_000 }, async () => {
    const repos = createRepositories(stack.database.db);
    // As if the name had resolved to a public address when the webhook was made, and DNS changed since.
    const webhook = await repos.events.createWebhook({ url: `http://localhost:${port()}/hooks`, secret: 'whsec_test', events: ['*'], modelName: null, description: null, createdBy: 'test' });
    const temporal = new Client({ connection: await Connection.connect({ address: stack.config.temporal.address }) });
    try {
      await publishEvent(repos, { client: temporal, taskQueue: stack.config.temporal.taskQueue }, { key: 'ssrf-check', type: 'model.registered', modelName: 'iris', message: 'x', data: {} });
      const [delivery] = await eventually(
        () => repos.events.deliveriesOfWebhook(webhook.id, 10),
        (rows) => rows.length === 1 && rows[0]!.status !== 'pending',
        30_000,
      );
      expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
      expect(delivery!.lastError).toContain('refused: localhost resolves to 127.0.0.1, a loopback address');
      expect(receiver.received).toEqual([]);
    } finally {
      await temporal.connection.close();
    }
  });
});
