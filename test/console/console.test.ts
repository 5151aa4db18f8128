import { readBundle, trustedKeys, verifyBundle } from '../../bundle/format.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { TokensService } from '../../api/access/tokens.service.js';
import { createTemporalClient } from '../../api/bootstrap.js';
import { PROJECT_ROOT } from '../../paths.js';
import { startTestApi } from '../support/api.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { expectAccessible, launchBrowser, openPage, screenshot, type PageRecord } from '../support/browser.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

/** Text a person might type anywhere free text is allowed; it must show as text, never run. */
const XSS = '<img src=x onerror=alert(1)>';

const iris = () => parse(readFileSync(path.join(PROJECT_ROOT, 'examples/iris/pipeline.yaml'), 'utf8')) as Record<string, any>;
const flowers = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/iris.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));

/** The console in a real Chromium against the real stack: the whole loop a person goes through, without writing GraphQL. */
describe('the web console', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  let record: PageRecord;
  let base: string;
  let runId: string;
  const visited: string[] = [];

  const go = async (url: string, name: string, ready: () => Promise<unknown>) => {
    await page.goto(`${base}${url}`);
    await ready();
    visited.push(name);
    await screenshot(page, name);
    await expectAccessible(page, name);
  };
  const signIn = async (who: string, on = page) => {
    await on.goto(`${base}/`);
    await on.getByLabel('API token').fill(stack.api.tokens[who]!);
    await on.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => on.getByTestId('who').textContent()).toContain(who);
  };
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
  };
  const runStatus = async () => (await stack.api.data<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id: runId })).pipelineRun.status;

  beforeAll(async () => {
    stack = await startStack();
    base = stack.api.url.replace(/\/graphql$/, '');
    browser = await launchBrowser();
    ({ page, record } = await openPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('is served at / with a CSP that allows no inline script', async () => {
    const response = await fetch(`${base}/runs`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="root">');
    const csp = response.headers.get('content-security-policy') ?? '';
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
    expect(scriptSrc).toContain("'self'");
    expect(scriptSrc).not.toContain('unsafe-inline');
    // API clients are not handed pages: a JSON GET of /graphql still reaches GraphQL.
    expect((await fetch(`${base}/graphql?query=%7Bhealth%7Bstatus%7D%7D`, { headers: { accept: 'application/json', 'apollo-require-preflight': '1' } })).headers.get('content-type')).toContain('json');
  });

  it('signs in with a token, refuses a wrong one, and shows who you are', { timeout: 60_000 }, async () => {
    await go('/', 'sign-in', () => page.getByLabel('API token').waitFor());
    await page.getByLabel('API token').fill('cust_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not authenticated/i);
    await signIn('admin@example.com');
    await expect.poll(() => page.getByTestId('who').textContent()).toBe('admin@example.com admin');
  });

  it('names both mistakes of a bad spec by field, then submits a good one and shows it waiting at its gate', { timeout: 120_000 }, async () => {
    const bad = iris();
    bad.split.testFraction = 2;
    bad.gates[0].quorum = 0;
    const refused = await stack.api.gql('mutation($t: String!) { submitPipeline(input: { specText: $t }) { id } }', { t: stringify(bad) }, { as: 'admin@example.com' });
    const issues = refused.errors?.[0]?.extensions?.issues as { path: string; message: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(expect.arrayContaining([expect.stringContaining('testFraction'), expect.stringContaining('quorum')]));

    await go('/submit', 'submit', () => page.getByLabel(/Pipeline spec/).waitFor());
    await page.getByLabel(/Pipeline spec/).fill(stringify(bad));
    await page.getByRole('button', { name: 'Submit' }).click();
    const refusal = page.getByRole('list', { name: 'Fields refused' });
    await refusal.waitFor();
    for (const issue of issues) await expect.poll(() => refusal.textContent()).toContain(`${issue.path} ${issue.message}`);
    expect(await refusal.getByRole('listitem').count()).toBe(issues.length);
    await screenshot(page, 'submit-refused');

    const good = iris();
    Object.assign(good, { name: 'console-iris', model: 'console-iris', description: `Iris for the console test. ${XSS}` });
    good.dataset = { ...good.dataset, name: 'console-iris-data', source: XSS };
    good.monitoring = { window: '1h', minRows: 100 };
    await page.getByLabel(/Pipeline spec/).fill(stringify(good));
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    runId = page.url().split('/').pop()!;
    const gate = page.getByTestId('gate');
    await expect.poll(() => gate.getAttribute('data-gate'), { timeout: 60_000 }).toBe('production-approval');
    await expect.poll(() => gate.locator('.status').textContent(), { timeout: 60_000 }).toBe('open');
    // The gate can show open before the page's next refresh brings the gate's own step (under load, seconds later).
    await expect.poll(() => page.getByTestId('step').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(6);
    expect(await page.getByTestId('trial-row').count()).toBe(4);
    // Charts drawn: the parallel-coordinates plot and the scatter as SVG with content.
    for (const chart of ['parallel-plot', 'scatter-plot', 'importance-chart', 'shap-chart']) expect(await page.getByTestId(chart).locator('svg path').count()).toBeGreaterThan(3);
    // Exact SHAP values on the test split: a dependence plot for each of the top numeric columns (iris has four).
    expect(await page.getByTestId('dependence-plot').count()).toBe(3);
    expect(await page.getByTestId('extreme-row').count()).toBe(6);
    // The person who submitted is not offered an approval of their own run.
    expect(await gate.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await expect.poll(() => gate.textContent()).toContain('You submitted this run');
    visited.push('run');
    await screenshot(page, 'run-at-gate');
    await expectAccessible(page, 'run');
    await go('/approvals', 'approvals-own', () => page.getByTestId('inbox-empty').waitFor());
  });

  it('lets another person approve it from the inbox, and shows it reaching production on the deployment timeline', { timeout: 120_000 }, async () => {
    await signOut();
    await signIn('approver@example.com');
    await go('/approvals', 'approvals', () => page.getByTestId('inbox-item').first().waitFor());
    const item = page.locator(`[data-testid="inbox-item"][data-run="${runId}"]`);
    // The description with markup shows as text in the model card summary, and nothing ran.
    await expect.poll(() => item.locator('.card-summary').textContent()).toContain(XSS);
    // The approver sees what drove the highest and lowest scored test rows.
    const extremes = item.getByRole('table', { name: 'Top contributions of the highest and lowest scored test rows' });
    expect(await extremes.getByTestId('extreme-row').count()).toBe(6);
    expect(await extremes.textContent()).toMatch(/petal_(length|width) [+-]/);
    await item.getByRole('button', { name: 'Reject' }).click();
    expect(await item.getByRole('button', { name: 'Confirm rejection' }).isDisabled()).toBe(true);
    await item.getByRole('button', { name: 'Back' }).click();
    await item.getByLabel(/Comment/).fill(`Looks right. ${XSS}`);
    await item.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator(`[data-testid="inbox-item"][data-run="${runId}"]`).count(), { timeout: 15_000 }).toBe(0);

    await eventually(runStatus, (s) => s === 'succeeded', 90_000);
    await page.goto(`${base}/runs/${runId}`);
    const production = page.locator('[data-testid="deployment"][data-stage="production"]');
    await expect.poll(() => production.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const decisions = page.getByRole('table', { name: 'Gate decisions' });
    await expect.poll(() => decisions.textContent()).toContain(`Looks right. ${XSS}`);
    await screenshot(page, 'run-in-production');
    await go(`/models/console-iris`, 'model', () => page.getByTestId('version-row').first().waitFor());
    const card = page.getByLabel('Model card of v1');
    await expect.poll(() => card.textContent()).toContain(XSS);
    expect(await card.locator('img').count()).toBe(0);
    await expect.poll(() => page.getByLabel('Datasheet', { exact: true }).textContent()).toContain(XSS);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    // An approver reads the card; the model's weights leave only with those who may read data back.
    expect(await page.getByRole('button', { name: /as ONNX$/ }).count()).toBe(0);
    expect(record.dialogs).toEqual([]);
    await go('/models', 'models', () => page.getByTestId('model-row').first().waitFor());
  });

  it('draws a drift report: PSI over time, and reference and current histograms per feature', { timeout: 120_000 }, async () => {
    // Traffic with petal_length shifted by 3 cm, predicted by a viewer, then a monitoring tick taken from the console.
    const rows = Array.from({ length: 150 }, (_, i) => {
      const [a, b, c, d] = flowers[i % flowers.length]!.map(Number);
      return { sepal_length: a, sepal_width: b, petal_length: c! + 3, petal_width: d };
    });
    await stack.api.data('mutation($input: PredictInput!) { predict(input: $input) { predictionId } }', { input: { model: 'console-iris', inputs: rows } }, 'viewer@example.com');
    await stack.api.data('mutation { createSchedule(input: { model: "console-iris", interval: "1d" }) { id } }', {}, 'engineer@example.com');
    await signOut();
    await signIn('engineer@example.com');
    await go('/monitoring?model=console-iris', 'monitoring', () => page.getByTestId('schedule-row').waitFor());
    await page.getByRole('button', { name: 'Trigger now' }).click();
    await expect.poll(async () => { await page.reload(); return page.getByTestId('report-row').count(); }, { timeout: 60_000, interval: 1000 }).toBeGreaterThan(0);
    const psi = page.getByTestId('psi-chart');
    for (const feature of ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']) await expect.poll(() => psi.locator('svg').textContent()).toContain(feature);
    await screenshot(page, 'monitoring-with-report');

    await page.getByTestId('report-row').first().getByRole('link').click();
    await page.getByTestId('feature-drift').first().waitFor();
    const drifted = await page.locator('[data-testid="feature-drift"][data-drifted="true"] th').allTextContents();
    expect(drifted).toContain('petal_length');
    const histograms = page.getByTestId('histogram');
    // Four features and the predictions, each with two series (reference and current) in its legend.
    await expect.poll(() => histograms.count()).toBe(5);
    for (const chart of await histograms.all()) {
      const text = (await chart.locator('svg').textContent()) ?? '';
      expect(text).toMatch(/reference \(\d+\)/);
      expect(text).toMatch(/current \(150\)/);
      expect(await chart.locator('svg path').count()).toBeGreaterThan(4);
    }
    visited.push('drift-report');
    await screenshot(page, 'drift-report');
    await expectAccessible(page, 'drift-report');
  });

  it('opens the lineage of the run and finds every kind of node it made', { timeout: 60_000 }, async () => {
    await go(`/lineage/${runId}`, 'lineage', () => page.getByTestId('lineage-node').first().waitFor());
    const types = new Set(await page.getByTestId('lineage-node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-type'))));
    // Drift reports join the lineage only when they started a retraining; this one did not.
    for (const type of ['dataset_version', 'run', 'trial', 'model_version', 'deployment']) expect(types).toContain(type);
    expect(await page.locator('[data-type="trial"]').count()).toBe(4);
    expect(await page.getByTestId('lineage-edge').count()).toBeGreaterThanOrEqual(await page.getByTestId('lineage-node').count() - 1);
    await page.locator('[data-type="model_version"] a').first().click();
    await page.waitForURL(/\/models\/console-iris$/);
  });

  it('scores a dataset from the model page, follows the job to its end and on to the output; names a refused field; offers a viewer no action', { timeout: 120_000 }, async () => {
    // Sixty chunks scored one at a time: long enough for the job page to show it running.
    const rows = Array.from({ length: 6000 }, (_, i) => [`f-${i + 1}`, ...flowers[i % flowers.length]!.slice(0, 4)].join(','));
    await stack.api.data('mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { id } }', {
      input: { name: 'console-to-score', format: 'csv', content: ['flower_id,sepal_length,sepal_width,petal_length,petal_width', ...rows].join('\n') },
    });
    const jobCount = async () => (await stack.api.data<{ scoringJobs: { nodes: unknown[] } }>('{ scoringJobs(input: { model: "console-iris", first: 100 }) { nodes { id } } }')).scoringJobs.nodes.length;
    await go('/models/console-iris', 'model-scoring', () => page.getByRole('heading', { name: 'Batch scoring' }).waitFor());
    await page.getByRole('button', { name: 'Score a dataset' }).click();
    const form = page.getByRole('form', { name: 'Score a dataset with console-iris' });

    // An unknown dataset: the API's own field error, next to the form, with the field marked; nothing started.
    const refused = await stack.api.gql('mutation { scoreDataset(input: { model: "console-iris", dataset: "no-such-data" }) { id } }');
    const issue = (refused.errors?.[0]?.extensions?.issues as { path: string; message: string }[])[0]!;
    expect(issue.path).toBe('input.dataset');
    await form.getByLabel('Dataset', { exact: true }).fill('no-such-data');
    await form.getByRole('button', { name: 'Start scoring' }).click();
    await expect.poll(() => form.getByRole('list', { name: 'Fields refused' }).textContent()).toBe(`${issue.path} ${issue.message}`);
    expect(await form.getByLabel('Dataset', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(page.url()).toMatch(/\/models\/console-iris$/);
    expect(await jobCount()).toBe(0);
    await screenshot(page, 'scoring-refused');
    await expectAccessible(page, 'scoring-refused');

    await form.getByLabel('Dataset', { exact: true }).fill('console-to-score');
    await form.getByLabel('Output dataset').fill('console-iris-scores');
    await form.getByLabel('Id columns').fill('flower_id');
    await form.getByLabel('Drift report of the scored rows').check();
    await form.getByText('Advanced options').click();
    await form.getByLabel('Rows per chunk').fill('100');
    await form.getByLabel('Parallelism').fill('1');
    await form.getByRole('button', { name: 'Start scoring' }).click();
    await page.waitForURL(/\/scoring\/[0-9a-f-]{36}$/);
    const jobId = page.url().split('/').pop()!;
    // The page follows the job by itself, with no reload: first partway, then to its end.
    const progress = async () => Number(/^(\d+) of 60 chunks scored$/.exec((await page.getByTestId('chunks-done').textContent()) ?? '')?.[1] ?? -1);
    await expect.poll(progress).toBeGreaterThanOrEqual(0);
    // Status and progress read together, from one rendering of the page.
    const [status, partway] = await page.locator('[data-testid="scoring-status"], [data-testid="chunks-done"]').allTextContents();
    expect([status, Number(/^\d+/.exec(partway!)![0]) < 60]).toEqual(['running', true]);
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(1);
    await screenshot(page, 'scoring-job-running');
    await expect.poll(() => page.getByTestId('scoring-status').textContent(), { timeout: 90_000 }).toBe('succeeded');
    expect(await progress()).toBe(60);
    expect(await page.getByRole('progressbar').getAttribute('value')).toBe('60');
    expect(await page.getByTestId('report-rows').textContent()).toBe('6000');
    expect(await page.getByTestId('report-scored').textContent()).toBe('6000');
    expect(await page.getByTestId('report-rejected').textContent()).toBe('0');
    expect(await page.getByTestId('report-chunks').textContent()).toBe('60');
    expect(await page.getByTestId('rejects-sha').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);
    // Asked for from the form: the drift report of the 6,000 scored rows, linked to its page.
    expect(await page.getByTestId('scoring-drift').textContent()).toMatch(/^(ok|drift) over a sample of 6000 rows/);
    expect(await page.getByTestId('scoring-drift').getByRole('link').getAttribute('href')).toMatch(/^\/monitoring\/reports\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByRole('link', { name: 'console-iris v1', exact: true }).count()).toBe(1);
    visited.push('scoring-job');
    await screenshot(page, 'scoring-job');
    await expectAccessible(page, 'scoring-job');
    // The scores download with this tab's token, as the file the job registered; it rejected nothing.
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download scores' }).click()]);
    expect(saved.suggestedFilename()).toBe('console-iris-scores-v1.csv');
    expect(readFileSync((await saved.path())!, 'utf8').trim().split('\n')).toHaveLength(6001);
    expect(await page.getByRole('button', { name: 'Download rejects' }).count()).toBe(0);

    // The output's lineage leads back to this job.
    await page.getByTestId('scoring-output').getByRole('link', { name: 'console-iris-scores v1' }).click();
    await page.waitForURL(/\/lineage\/[0-9a-f-]{36}$/);
    await page.locator('.lineage-node.root[data-type="dataset_version"]').getByText('console-iris-scores v1').waitFor();
    await page.locator('[data-type="scoring_job"] a').first().click();
    await page.waitForURL(new RegExp(`/scoring/${jobId}$`));

    await page.goto(`${base}/models/console-iris`);
    const row = page.locator(`[data-testid="scoring-job-row"][data-job="${jobId}"]`);
    await expect.poll(() => row.textContent()).toContain('console-to-score v1 → console-iris-scores v1');
    expect(await row.locator('td.num').textContent()).toBe('6000');
    expect(await jobCount()).toBe(1);
    // The version leaves as ONNX with this tab's token: the very file the API exports.
    const [onnx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export v1 as ONNX' }).click()]);
    expect(onnx.suggestedFilename()).toBe('console-iris-v1.onnx');
    const exported = await fetch(`${base}/v1/models/console-iris/versions/1/export?format=onnx`, { headers: { authorization: `Bearer ${stack.api.tokens['engineer@example.com']}` } });
    expect(readFileSync((await onnx.path())!).equals(Buffer.from(await exported.arrayBuffer()))).toBe(true);
    // Content that no longer matches the sha256 it came with is not saved, and the card says why.
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.route('**/export?format=onnx', async (route) => {
      const original = await route.fetch();
      const body = Buffer.from(await original.body());
      body[body.length >> 1]! ^= 1;
      await route.fulfill({ response: original, body });
    });
    await page.getByRole('button', { name: 'Export v1 as ONNX' }).click();
    await page.getByText(/the download does not match the sha256 the server sent/).waitFor();
    await page.unroute('**/export?format=onnx');
    expect(downloads).toBe(0);
    // And as a signed bundle, which verifies with the key the API publishes.
    const [bundle] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export v1 as a signed bundle' }).click()]);
    expect(bundle.suggestedFilename()).toBe('console-iris-v1.tar.gz');
    const keys = trustedKeys(await (await fetch(`${base}/v1/keys`)).json());
    expect(verifyBundle(await readBundle(readFileSync((await bundle.path())!)), keys).manifest).toMatchObject({ model: 'console-iris', version: 1 });

    // A viewer, in a tab of their own: the jobs, and no action.
    const viewer = (await openPage(browser)).page;
    try {
      await signIn('viewer@example.com', viewer);
      await viewer.goto(`${base}/models/console-iris`);
      await viewer.getByTestId('scoring-job-row').first().waitFor();
      expect(await viewer.getByRole('heading', { name: 'Batch scoring' }).count()).toBe(1);
      expect(await viewer.getByRole('button', { name: 'Score a dataset' }).count()).toBe(0);
      await viewer.locator('#card-title').waitFor();
      expect(await viewer.getByRole('button', { name: /^Export v/ }).count()).toBe(0);
      await screenshot(viewer, 'model-viewer');
      // The job's facts, but not its rows.
      await viewer.goto(`${base}/scoring/${jobId}`);
      await expect.poll(() => viewer.getByTestId('scoring-status').textContent()).toBe('succeeded');
      expect(await viewer.getByRole('button', { name: 'Download scores' }).count()).toBe(0);
    } finally {
      await viewer.context().close();
    }
  });

  it('lists runs with chosen metric columns remembered, compares two runs, and searches and verifies the audit trail', { timeout: 90_000 }, async () => {
    const second = iris();
    Object.assign(second, { name: 'console-iris-b', model: 'console-iris-b', gates: [] });
    second.training.search.space = { nEstimators: [20], maxDepth: [4] };
    const { submitPipeline } = await stack.api.data('mutation($t: String!) { submitPipeline(input: { specText: $t }) { id } }', { t: stringify(second) }, 'engineer@example.com');
    await go('/runs', 'runs', () => page.getByTestId('run-row').first().waitFor());
    await page.getByRole('checkbox', { name: 'f1', exact: true }).check();
    await page.reload();
    await expect.poll(() => page.getByRole('checkbox', { name: 'f1', exact: true }).isChecked()).toBe(true);
    await expect.poll(() => page.getByRole('columnheader', { name: 'f1', exact: true }).count()).toBe(1);
    await page.getByLabel('Status').selectOption('succeeded');
    await expect.poll(async () => (await page.getByTestId('run-row').allTextContents()).every((t) => t.includes('succeeded'))).toBe(true);

    await eventually(async () => (await stack.api.data('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id: submitPipeline.id })).pipelineRun.status, (s) => s !== 'running', 90_000);
    await go(`/compare?items=${runId},${submitPipeline.id}`, 'compare', () => page.getByRole('table', { name: 'Side by side' }).waitFor());
    const sideBySide = await page.getByRole('table', { name: 'Side by side' }).textContent();
    expect(sideBySide).toContain('param nEstimators');
    await expect.poll(() => page.getByTestId('spec-diff').textContent()).toContain('console-iris-b');

    await go('/audit', 'audit', () => page.getByTestId('audit-row').first().waitFor());
    await page.getByLabel('Subject').fill(runId);
    await page.getByLabel('Action').fill('gate.decided');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(1);
    expect(await page.getByTestId('audit-row').textContent()).toContain('approver@example.com');
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toMatch(/^Intact: \d+ events checked/);
  });

  it('serves GraphiQL offline at /graphql with the signed-in token', { timeout: 90_000 }, async () => {
    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-container').waitFor();
    // The editors start in web workers; on a busy machine the first click can come before they are ready.
    await expect.poll(() => page.locator('.graphiql-query-editor').textContent(), { timeout: 30_000 }).toContain('role');
    const result = async () => {
      const text = (await page.locator('.result-window').textContent()) ?? '';
      if (!text.includes('engineer@example.com')) await page.getByRole('button', { name: /Execute query/i }).click();
      return text;
    };
    await expect.poll(result, { timeout: 40_000, interval: 2000 }).toContain('engineer@example.com');
    await screenshot(page, 'graphiql');
  });

  it('returns to sign-in, saying why, when the token is revoked; never puts the token in a URL or fetches from elsewhere', { timeout: 60_000 }, async () => {
    await page.goto(`${base}/runs`);
    await page.getByTestId('run-row').first().waitFor();
    const tokens = stack.api.app.get(TokensService);
    const engineer = (await tokens.list()).find((t) => t.principalName === 'engineer@example.com')!;
    await tokens.revoke(engineer.id, { name: 'admin@example.com', role: 'admin' } as never);
    await page.getByRole('link', { name: 'Approvals', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 15_000 }).toMatch(/signed out: .*revoked/i);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('custody.token'))).toBeNull();

    const secrets = Object.values(stack.api.tokens);
    expect(record.requests.filter((url) => secrets.some((s) => url.includes(s)))).toEqual([]);
    expect(record.requests.filter((url) => !url.startsWith(base) && !url.startsWith('data:'))).toEqual([]);
    expect(record.errors.filter((e) => !/status of (400|401|403|404)/.test(e))).toEqual([]);
    expect(record.dialogs).toEqual([]);
    expect(visited.length).toBeGreaterThanOrEqual(12);
  });
});

describe('the console on an empty database', () => {
  it('offers the first-admin flow with the printed code, refuses a wrong code, and signs the new admin in', { timeout: 60_000 }, async () => {
    const database = await createTestDatabase('pglite');
    const config = testConfig();
    const api = await startTestApi({ config, database, temporal: createTemporalClient(config) }, { seedPeople: false });
    const browser = await launchBrowser();
    try {
      const code = (await api.app.get(TokensService).prepareBootstrap())!;
      const { page } = await openPage(browser);
      await page.goto(api.url.replace(/\/graphql$/, '/'));
      await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
      await screenshot(page, 'first-admin');
      await expectAccessible(page, 'first-admin');
      await page.getByLabel('Your name').fill('owner@example.com');
      await page.getByLabel('One-time code').fill('wrong-code');
      await page.getByRole('button', { name: 'Create' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/bootstrap code is wrong/);
      await page.getByLabel('One-time code').fill(code);
      await page.getByRole('button', { name: 'Create' }).click();
      await expect.poll(() => page.getByTestId('first-admin-token').textContent()).toMatch(/^cus_/);
      await page.getByRole('button', { name: 'Continue signed in' }).click();
      await expect.poll(() => page.getByTestId('who').textContent()).toBe('owner@example.com admin');
      // An admin is offered what its role allows: submitting.
      expect(await page.getByRole('link', { name: 'Submit', exact: true }).count()).toBe(1);
    } finally {
      await browser.close();
      await api.close();
      await database.close();
    }
  });
});
