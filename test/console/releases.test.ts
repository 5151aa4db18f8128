import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { expectAccessible, launchBrowser, openPage, screenshot } from '../support/browser.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const FLOWERS = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.0, sepal_width: 2.9, petal_length: 4.5, petal_width: 1.5 },
  { sepal_length: 6.3, sepal_width: 2.8, petal_length: 5.1, petal_width: 1.5 },
  { sepal_length: 6.5, sepal_width: 3.0, petal_length: 5.8, petal_width: 2.2 },
];

/** Release evidence in the console: a shadow's report where an approver decides, an A/B test's plot on its run. */
describe('release evidence in the console', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  let base: string;
  beforeAll(async () => {
    stack = await startStack();
    base = stack.api.url.replace(/\/graphql$/, '');
    browser = await launchBrowser();
    ({ page } = await openPage(browser));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const specOf = (change: (s: PipelineSpecInput) => void) => {
    const spec = exampleSpec('iris') as PipelineSpecInput;
    Object.assign(spec, { name: 'evidence', model: 'evidence', gates: [], training: { trainer: 'logistic-regression', seed: 1 } });
    spec.evaluation = { primaryMetric: 'accuracy', thresholds: {}, champion: { enabled: false } };
    spec.deployment = { production: {} };
    change(spec);
    return spec;
  };
  const submit = async (spec: PipelineSpecInput) => (await stack.api.data<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } })).submitPipeline.id;
  const status = async (id: string) => (await stack.api.data<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id })).pipelineRun.status;
  const roles = async () => (await stack.api.data<{ model: { currentDeployments: { role: string }[] } }>('{ model(input: { name: "evidence" }) { currentDeployments { role } } }')).model.currentDeployments.map((d) => d.role);
  const predict = async (i: number) =>
    (await stack.api.data<{ predict: { predictionId: string; role: string; value: string }[] }>('mutation($input: PredictInput!) { predict(input: $input) { predictionId role value } }', { input: { model: 'evidence', inputs: [FLOWERS[i % 4]], key: `k-${i}` } }, 'viewer@example.com')).predict[0]!;
  const label = (predictionId: string, value: string) => stack.api.data('mutation($input: FeedbackInput!) { recordFeedback(input: $input) { predictionId } }', { input: { predictionId, label: value } });
  const signIn = async (who: string) => {
    await page.goto(`${base}/`);
    await page.getByLabel('API token').fill(stack.api.tokens[who]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('who').textContent()).toContain(who);
  };

  it('shows an approver the shadow report in the inbox before the promotion, and an A/B test as a plot on its run', { timeout: 300_000 }, async () => {
    const first = await submit(specOf(() => undefined));
    await eventually(() => status(first), (s) => s === 'succeeded', 120_000, 500);

    const shadowRun = await submit(
      specOf((s) => {
        s.training = { trainer: 'random-forest', seed: 3, params: { nEstimators: 5, maxDepth: 1 } };
        s.gates = [{ name: 'promote' }];
        s.deployment = { production: { shadow: { duration: '10s', gate: 'promote', require: { agreement: 0.2 } } } };
      }),
    );
    await eventually(roles, (r) => r.includes('shadow'), 120_000, 300);
    for (let i = 0; i < 40; i++) {
      const served = await predict(i);
      if (i % 2 === 0) await label(served.predictionId, served.value);
    }
    await eventually(() => status(shadowRun), (s) => s === 'awaiting_approval', 120_000, 500);
    await signIn('approver@example.com');
    await page.goto(`${base}/approvals`);
    const item = page.locator(`[data-testid="inbox-item"][data-run="${shadowRun}"]`);
    await item.waitFor({ timeout: 30_000 });
    const release = item.locator('[data-testid="release"][data-strategy="shadow"]');
    await expect.poll(() => release.getByTestId('shadow-summary').textContent()).toMatch(/^40 paired predictions \(40 in the figures\), 20 labelled\. Agreement \d/);
    await expect.poll(() => release.getByRole('table', { name: 'Requirements of the spec' }).textContent()).toContain('agreement≥ 0.2');
    expect(await release.getByTestId('shadow-scores-chart').locator('svg path').count()).toBeGreaterThan(2);
    // An approver reads the report, not the served inputs it quotes (data rows are for those who may read data back).
    await expect.poll(() => release.getByRole('table', { name: 'Inputs on which they differ most' }).textContent()).toContain('withheld: your role does not read served inputs');
    await screenshot(page, 'approvals-shadow-report');
    await expectAccessible(page, 'approvals-shadow-report');
    await item.getByRole('button', { name: 'Approve' }).click();
    await eventually(() => status(shadowRun), (s) => s === 'succeeded', 60_000, 500);

    const abRun = await submit(
      specOf((s) => {
        s.gates = [{ name: 'decide' }];
        s.deployment = { production: { abTest: { metric: 'accuracy', minimumDetectableEffect: 0.2, checkEvery: '3s', maxDuration: '10m', gate: 'decide' } } };
      }),
    );
    await eventually(roles, (r) => r.includes('canary'), 120_000, 300);
    for (let i = 0; i < 400; i++) {
      const served = await predict(i);
      const right = (i % 100) / 100 < (served.role === 'canary' ? 0.95 : 0.6);
      await label(served.predictionId, right ? served.value : 'wrong');
    }
    await eventually(() => status(abRun), (s) => s !== 'running', 120_000, 500);
    await page.goto(`${base}/runs/${abRun}`);
    const test = page.locator('[data-testid="release"][data-strategy="ab_test"]');
    await expect.poll(() => test.getByTestId('ab-summary').textContent(), { timeout: 30_000 }).toMatch(/always-valid p [\d.e-]+\. Champion v2: \d+ of \d+ labelled \(\d+%\); challenger v3: \d+ of \d+ labelled/);
    for (const chart of ['ab-effect-chart', 'ab-samples-chart']) expect(await test.getByTestId(chart).locator('svg path').count()).toBeGreaterThan(2);
    await expect.poll(() => test.textContent()).toContain('promoted');
    await screenshot(page, 'run-ab-test');
    await expectAccessible(page, 'run-ab-test');
  });
});
