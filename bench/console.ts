import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { TokensService } from '../api/access/tokens.service.js';
import { createApiApp } from '../api/bootstrap.js';
import type { Config } from '../config.js';
import { rowsOf, type Database } from '../db/client.js';
import { launchChromium } from './chromium.js';
import { ms } from './timing.js';

const SAMPLES = 7;
const SMALL = 50;
const LARGE = 10_000;
const MORE_PAGES = 10;

interface PageFigure {
  runs: number;
  firstPageMs: { p50: number; p95: number };
  heapMb: number;
}
export interface ConsoleFigures {
  small: PageFigure;
  large: PageFigure;
  query: { small: number; large: number };
  morePages: { rows: number; msPerPage: number; heapMb: number };
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

/** Adds runs (each with a registered model version and its metrics) until the bench pipeline has `total`. */
async function seedRuns(database: Database, from: number, total: number): Promise<void> {
  const db = database.db;
  await db.execute(sql`insert into datasets (name) values ('console-bench') on conflict do nothing`);
  await db.execute(sql`insert into models (name) values ('console-bench') on conflict do nothing`);
  await db.execute(sql`
    insert into dataset_versions (dataset_id, version, sha256, format, size_bytes, row_count, columns, registered_by)
    select (select id from datasets where name = 'console-bench'), 1, md5('console') || md5('bench'), 'csv', 1, 1, '[]', 'bench'
    on conflict do nothing`);
  await db.execute(sql`
    insert into pipeline_runs (id, workflow_id, pipeline_name, model_name, spec, spec_hash, submitted_by, status, dataset_version_id, created_at)
    select gen_random_uuid(), 'console-bench-' || n, 'console-bench', 'console-bench', '{}', 'x', 'bench', 'succeeded',
      (select id from dataset_versions where dataset_id = (select id from datasets where name = 'console-bench')), now() - (n || ' seconds')::interval
    from generate_series(${from + 1}::int, ${total}::int) n`);
  await db.execute(sql`
    insert into model_versions (model_id, version, artifact_sha256, trainer, params, metrics, dataset_version_id, run_id, code_version, features, target, task)
    select (select id from models where name = 'console-bench'), ${from}::int + row_number() over (order by r.workflow_id), md5(r.id::text), 'random-forest', '{}',
      jsonb_build_object('accuracy', random(), 'f1', random()), r.dataset_version_id, r.id, 'bench', '[]', 'y', 'classification'
    from pipeline_runs r where r.pipeline_name = 'console-bench' and not exists (select 1 from model_versions m where m.run_id = r.id)`);
  await db.execute(sql`analyze`);
}

/** Time from navigation to the first rendered row of the runs page, and the page's JS heap then. */
async function firstPage(open: () => Promise<Page>, base: string): Promise<{ ms: number; heapMb: number }> {
  const page = await open();
  const t = performance.now();
  await page.goto(`${base}/runs`);
  await page.getByTestId('run-row').first().waitFor();
  const ms = performance.now() - t;
  const heapMb = await heapOf(page);
  await page.close();
  return { ms, heapMb };
}

async function heapOf(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 2 ** 20;
}

async function queryMs(url: string, token: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES + 1; i++) {
    const t = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ pipelineRuns(input: { first: 50 }) { nodes { id pipelineName modelName status submittedBy createdAt temporalUiUrl modelVersion { version metrics } } pageInfo { endCursor hasNextPage } } }' }),
    });
    await response.json();
    if (i > 0) times.push(performance.now() - t);
  }
  return quantile(times, 0.5);
}

/**
 * The console's runs page in a real Chromium over 10,000 runs, against the same page over 50: time to the
 * first rendered page and the page's heap, then ten more pages loaded one after another. Each sample is
 * a fresh page load (assets cached, as on a second visit).
 */
export async function consoleBench(deps: { config: Config; database: Database; temporal: Client }): Promise<ConsoleFigures | { skipped: string }> {
  let browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    return { skipped: (error as Error).message };
  }
  const app = await createApiApp(deps);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  try {
    const { token } = await app.get(TokensService).create({ name: 'console-bench', role: 'viewer' }, 'bench');
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    // The console reads its token from the tab's session storage; set it before any page script runs.
    await context.addInitScript((value) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('custody.token', value), token);
    const open = () => context.newPage();
    const measure = async (): Promise<PageFigure> => {
      const [{ n }] = rowsOf<{ n: number }>(await deps.database.db.execute(sql`select count(*)::int n from pipeline_runs`));
      const runs = n!;
      await firstPage(open, base); // warm-up: assets into the cache, the server's queries planned
      const samples = [];
      for (let i = 0; i < SAMPLES; i++) samples.push(await firstPage(open, base));
      return { runs, firstPageMs: { p50: quantile(samples.map((s) => s.ms), 0.5), p95: quantile(samples.map((s) => s.ms), 0.95) }, heapMb: quantile(samples.map((s) => s.heapMb), 0.5) };
    };
    await seedRuns(deps.database, 0, SMALL);
    const small = await measure();
    const smallQuery = await queryMs(`${base}/graphql`, token);
    await seedRuns(deps.database, SMALL, LARGE);
    const large = await measure();
    const largeQuery = await queryMs(`${base}/graphql`, token);

    const page = await open();
    await page.goto(`${base}/runs`);
    await page.getByTestId('run-row').first().waitFor();
    const t = performance.now();
    for (let i = 1; i <= MORE_PAGES; i++) {
      await page.getByRole('button', { name: /^Load \d+ more$/ }).click();
      await page.getByTestId('run-row').nth(50 * (i + 1) - 1).waitFor();
    }
    const msPerPage = (performance.now() - t) / MORE_PAGES;
    const morePages = { rows: await page.getByTestId('run-row').count(), msPerPage, heapMb: await heapOf(page) };
    return { small, large, query: { small: smallQuery, large: largeQuery }, morePages };
  } finally {
    await browser.close();
    await app.close();
  }
}

export function consoleSection(figures: ConsoleFigures | { skipped: string }): string {
  if ('skipped' in figures) return `## The console's runs page\n\nNot run: ${figures.skipped}.\n`;
  const { small, large, query, morePages } = figures;
  return [
    "## The console's runs page",
    '',
    `The runs page (\`/runs\`, 50 runs a page with each run's model version and metrics) in headless Chromium, a fresh page load per sample (assets cached, as on a second visit), seven samples after a warm-up. Baseline: the same page over the runs the database held before 10,000 were added (those of the benchmarks above). Time runs from navigation to the first rendered row; heap is the page's JavaScript heap after a collection.`,
    '',
    '| runs in the database | first rendered page, p50 | p95 | page heap | the page\'s GraphQL query alone, p50 |',
    '| --- | --- | --- | --- | --- |',
    `| ${small.runs.toLocaleString('en')} (baseline) | ${ms(small.firstPageMs.p50)} | ${ms(small.firstPageMs.p95)} | ${small.heapMb.toFixed(1)} MB | ${ms(query.small)} |`,
    `| ${large.runs.toLocaleString('en')} | ${ms(large.firstPageMs.p50)} | ${ms(large.firstPageMs.p95)} | ${large.heapMb.toFixed(1)} MB | ${ms(query.large)} |`,
    `| **ratio** | **${(large.firstPageMs.p50 / small.firstPageMs.p50).toFixed(2)}×** | ${(large.firstPageMs.p95 / small.firstPageMs.p95).toFixed(2)}× | ${(large.heapMb / small.heapMb).toFixed(2)}× | ${(query.large / query.small).toFixed(2)}× |`,
    '',
    `Then ten more pages, each by its Load button, on one page: ${morePages.rows} rows shown, ${ms(morePages.msPerPage)} a page, heap ${morePages.heapMb.toFixed(1)} MB. Cursor pagination keeps a page's cost independent of how many runs exist; goal: the first page over 10,000 runs within 1.2× of the baseline.`,
  ].join('\n');
}
