import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../db/client.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { PROJECT_ROOT } from '../../paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { uniqueTaskQueue } from '../support/config.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { freePort } from '../../scripts/lib.mjs';

/** Every string inside `value`, with byte arrays (Temporal payloads) decoded as UTF-8. */
function strings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (value instanceof Uint8Array) into.push(Buffer.from(value).toString('utf8'));
  else if (value && typeof value === 'object') for (const item of Object.values(value)) strings(item, into);
  return into;
}

/**
 * Secrets never leak: a whole life (first admin, tokens, a webhook, a governed run, refusals, a rotation)
 * against the real all-in-one process, then everything it wrote is searched for every secret it handed
 * out: its logs (at debug level), every Temporal history, every database row, and what the webhook received.
 * (The logs of every other server life of the suite are searched too, after each file: test/setup/secret-scan.ts.)
 */
describe('secrets, after a whole life of the server', () => {
  let database: TestDatabase;
  let dataDir: string;
  let server: ChildProcess;
  let output = '';
  let base: string;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const started = new Date();
  const secrets: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('secrets');

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'custody-secrets-'));
    receiver = await startWebhookReceiver();
    const port = (await freePort()) as number;
    base = `http://127.0.0.1:${port}`;
    database = await createTestDatabase();
    server = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'main.js')], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH!,
        NODE_ENV: 'test',
        LOG_LEVEL: 'debug',
        PORT: String(port),
        CUSTODY_DATA_DIR: dataDir,
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        CUSTODY_WEBHOOK_ALLOW_RANGES: '127.0.0.0/8',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk) => (output += chunk));
    server.stderr!.on('data', (chunk) => (output += chunk));
    const code = await eventually(async () => /--first-admin-code (\S+)/.exec(output)?.[1], Boolean, 60_000);
    secrets.bootstrapCode = code!;
  }, 90_000);
  afterAll(async () => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    await receiver?.close();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as { data?: any; errors?: { message: string }[] };
  };
  const data = async (query: string, variables: Record<string, unknown>, token: string) => {
    const answer = await call(query, variables, token);
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    return answer.data;
  };

  it('writes none of its tokens, codes or webhook secrets to logs, histories, rows or deliveries', { timeout: 240_000 }, async () => {
    const admin = await data('mutation($code: String!) { createFirstAdminToken(input: { name: "root@example.com", bootstrapCode: $code }) { token } }', { code: secrets.bootstrapCode }, '');
    secrets.admin = admin.createFirstAdminToken.token;
    const token = async (name: string, role: string) => (await data('mutation($name: String!, $role: String!) { createToken(input: { name: $name, role: $role }) { token } }', { name, role }, secrets.admin)).createToken.token as string;
    secrets.engineer = await token('eng@example.com', 'submitter');
    secrets.approver = await token('appr@example.com', 'approver');
    secrets.revoked = await token('gone@example.com', 'viewer');
    const hook = await data('mutation($url: String!) { createWebhook(input: { url: $url, events: ["*"] }) { secret } }', { url: receiver.url }, secrets.admin);
    secrets.webhook = hook.createWebhook.secret;

    // A governed run: submitted, approved, deployed; its events delivered, signed with the webhook's secret.
    const spec = exampleSpec('iris') as PipelineSpecInput;
    spec.name = 'secrets-check';
    spec.model = 'secrets-check';
    const run = (await data('mutation($spec: JSON!) { submitPipeline(input: { spec: $spec }) { id } }', { spec }, secrets.engineer)).submitPipeline.id as string;
    const status = async () => (await data('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id: run }, secrets.engineer)).pipelineRun.status as string;
    await eventually(status, (s) => s === 'awaiting_approval', 120_000);
    await data('mutation($id: ID!) { approveGate(input: { runId: $id, comment: "ok" }) { status } }', { id: run }, secrets.approver);
    await eventually(status, (s) => s === 'succeeded', 120_000);
    await eventually(async () => receiver.accepted().length, (n) => n > 0, 30_000);

    // Refusals and mistakes, each carrying a secret where it does not belong.
    const revokedId = (await data('{ tokens { id principalName } }', {}, secrets.admin)).tokens.find((t: { principalName: string }) => t.principalName === 'gone@example.com').id;
    await data('mutation($id: ID!) { revokeToken(input: { id: $id }) { id } }', { id: revokedId }, secrets.admin);
    expect((await call('{ me { name } }', {}, secrets.revoked)).errors).toBeDefined();
    expect((await call('{ me { name } }', {}, `${secrets.engineer}x`)).errors).toBeDefined();
    expect((await call('query($id: ID!) { pipelineRun(input: { runId: $id }) { id } }', { id: secrets.engineer }, secrets.engineer)).errors).toBeDefined();
    expect((await call('mutation($c: String) { approveGate(input: { runId: "nope", comment: $c }) { status } }', { c: secrets.webhook }, secrets.approver)).errors).toBeDefined();
    secrets.successor = (await data('mutation { rotateToken(input: { overlap: "1m" }) { token } }', {}, secrets.engineer)).rotateToken.token;

    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));

    const temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    const histories: string[] = [];
    try {
      // Its own workflows: other files' runs meanwhile may be sealed with keys this client does not hold.
      for await (const workflow of temporal.workflow.list({ query: `TaskQueue = '${taskQueue}' AND StartTime >= '${started.toISOString()}'` })) {
        histories.push(...strings(await temporal.workflow.getHandle(workflow.workflowId, workflow.runId).fetchHistory()));
      }
    } finally {
      await temporal.connection.close();
    }
    expect(histories.join('\n')).toContain(run);

    const rows: string[] = [];
    const db = await openDatabase(database.url ? { kind: 'postgres', url: database.url } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
    try {
      const tables = (await db.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)) as unknown as { rows?: { table_name: string }[] } & { table_name: string }[];
      for (const { table_name: table } of tables.rows ?? tables) {
        // A webhook's secret is stored to sign deliveries, in that one column; nothing else may hold it.
        const result = (await db.db.execute(sql.raw(`select row_to_json(t)::text as row from "${table}" t`))) as unknown as { rows?: { row: string }[] } & { row: string }[];
        for (const { row } of result.rows ?? result) rows.push(table === 'webhooks' ? row.replace(secrets.webhook, '<the signing column>') : row);
      }
    } finally {
      await db.close();
    }
    expect(rows.join('\n')).toContain('secrets-check');

    const places = {
      // The one-time code is printed on purpose, in its three announced places (console, CLI, curl); nowhere else.
      'the server log': output.replace(`with the code ${secrets.bootstrapCode}`, '').replace(`--first-admin-code ${secrets.bootstrapCode}`, '').replace(`bootstrapCode: \\"${secrets.bootstrapCode}\\"`, ''),
      'the Temporal histories': histories.join('\n'),
      'the database rows': rows.join('\n'),
      'the webhook deliveries': receiver.received.map((r) => JSON.stringify({ headers: r.headers, body: r.body })).join('\n'),
    };
    expect(output).toContain('custody is running');
    for (const [place, text] of Object.entries(places)) {
      for (const [name, secret] of Object.entries(secrets)) expect(text.includes(secret), `the ${name} secret appears in ${place}`).toBe(false);
    }
  });
});
