import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../paths.js';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { freePort } from '../../scripts/lib.mjs';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { findTemporalCli, startDevServer } from '../../scripts/temporal.mjs';
import { newKeySpec } from '../../storage/encryption/keyring.js';
import { ensureSearchAttributes } from '../../worker/search-attributes.js';
import { launchBrowser } from '../support/browser.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const MARKER = `marker-${randomBytes(6).toString('hex')}`;

/**
 * The Temporal Web UI (the dev server's own, in Chromium) showing an encrypted history: a person signed in to
 * the console reads the decoded input through the codec server, with the console's cookie; anyone else sees
 * only ciphertext. The UI's codec settings are the ones a person sets once in its Codec Server dialog.
 */
describe('the Temporal UI through the codec server', () => {
  let server: { address: string; child: { kill(signal: string): void }; exited: Promise<number> };
  let stack: TestStack;
  let browser: Browser;
  let ui: string;
  let api: string;
  let workflowId: string;

  beforeAll(async () => {
    const uiPort = await freePort();
    server = await startDevServer({ cli: await findTemporalCli(), port: await freePort(), uiPort, quiet: true });
    const connection = await Connection.connect({ address: server.address });
    await ensureSearchAttributes(connection, 'default');
    await connection.close();
    ui = `http://localhost:${uiPort}`;
    stack = await startStack({ env: { TEMPORAL_ADDRESS: server.address, CUSTODY_ENCRYPTION_KEYS: newKeySpec('k1'), CUSTODY_CODEC_ORIGINS: ui } });
    // localhost, as `npm start` prints it: the UI's site, so the console's cookie travels to /codec.
    api = stack.api.url.replace(/\/graphql$/, '').replace('127.0.0.1', 'localhost');
    const spec = parse(readFileSync(path.join(PROJECT_ROOT, 'examples/iris/pipeline.yaml'), 'utf8')) as Record<string, any>;
    Object.assign(spec, { name: 'ui-codec', model: 'ui-codec', description: `Planted ${MARKER} in the spec.`, gates: [] });
    spec.training.search.space = { nEstimators: [10], maxDepth: [3] };
    const { submitPipeline } = await stack.api.data('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id workflowId } }', { input: { spec } });
    workflowId = submitPipeline.workflowId;
    const status = async () => (await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id: submitPipeline.id })).pipelineRun.status;
    await eventually(status, (s) => s === 'succeeded', 90_000);
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    server?.child.kill('SIGTERM');
    await server?.exited;
  });

  /** The run's page in the UI, with the codec endpoint set as the Codec Server dialog sets it (credentials included). */
  const openRun = async (page: Page) => {
    await page.goto(`${ui}/namespaces/default/workflows`);
    await page.evaluate((endpoint) => {
      const storage = (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage;
      storage.setItem('endpoint', JSON.stringify(endpoint));
      storage.setItem('includeCredentials', 'true');
      storage.setItem('overrideRemoteCodecConfiguration', 'true');
    }, `${api}/codec`);
    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  };

  it('shows the decoded input to a person signed in to the console, and ciphertext to anyone else', { timeout: 120_000 }, async () => {
    const person = await (await browser.newContext()).newPage();
    await person.goto(`${api}/`);
    await person.getByLabel('API token').fill(stack.api.tokens['viewer@example.com']!);
    await person.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => person.getByTestId('who').textContent()).toContain('viewer@example.com');
    await openRun(person);
    await expect.poll(async () => (await person.content()).includes(`Planted ${MARKER}`), { timeout: 60_000, interval: 1000 }).toBe(true);

    const stranger = await (await browser.newContext()).newPage();
    const answers: number[] = [];
    stranger.on('response', (response) => response.url().startsWith(`${api}/codec/decode`) && answers.push(response.status()));
    await openRun(stranger);
    await expect.poll(() => answers.length, { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
    expect(new Set(answers)).toEqual(new Set([401]));
    await stranger.waitForTimeout(2000);
    expect((await stranger.content()).includes(MARKER)).toBe(false);
  });
});
