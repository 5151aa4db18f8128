import { spawn } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { TokensService } from '../api/access/tokens.service.js';
import { createApiApp } from '../api/bootstrap.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { createRepositories } from '../db/repositories/index.js';
import type { PipelineSpec } from '../domain/pipeline/spec.js';
import { sendBytes } from './send-bytes.js';

const FLOOD = 10_000;
const FLOOD_CONCURRENCY = 50;
const SUBMISSIONS = 120;
const OVERSIZED = 12;
const OVERSIZED_BYTES = 25 * 1024 * 1024;

export interface SecurityFigures {
  flood: { requests: number; seconds: number; unauthenticated: number; limited: number; auditBefore: number; auditAfter: number };
  submission: { quiet: { p50: number; p99: number; count: number }; flooded: { p50: number; p99: number; count: number } };
  memory: { requests: number; bytesSent: number; rssBeforeMb: number; rssPeakGrowthMb: number };
}

/**
 * The flood, from a process of its own (as an attacker's would be), so it does not share this one's event
 * loop with the server: answers counted by status.
 */
async function flood(url: string): Promise<Record<string, number>> {
  const script = `
    const codes = {};
    let next = 0;
    const one = async () => {
      while (next < ${FLOOD}) {
        const i = next++;
        const response = await fetch(${JSON.stringify(url)}, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(i % 2 ? { authorization: 'Bearer cus_bogus' + i } : {}) },
          body: '{"query":"{ pipelineRuns { nodes { id } } }"}',
        });
        await response.arrayBuffer();
        const code = response.status === 429 ? 'RATE_LIMITED' : 'UNAUTHENTICATED';
        codes[code] = (codes[code] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: ${FLOOD_CONCURRENCY} }, one));
    process.stdout.write(JSON.stringify(codes));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the flood process exited with ${code}`);
  return JSON.parse(out) as Record<string, number>;
}

const percentiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
};

/**
 * What a flood of 10,000 requests with bogus or missing tokens does: to the audit chain (nothing), to
 * authenticated submissions made all through it from the same address (against the same submissions, as
 * often, without the flood), and what 12 concurrent 25 MB unauthenticated bodies do to the server's memory.
 */
export async function securityBench(deps: { config: Config; database: Database; temporal: Client; spec: (name: string) => PipelineSpec }): Promise<SecurityFigures> {
  const app = await createApiApp({ config: { ...deps.config, logLevel: 'error' }, database: deps.database, temporal: deps.temporal });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}/graphql`;
  const { token } = await app.get(TokensService).create({ name: 'bench-submitter', role: 'submitter' }, 'bench');
  const audit = createRepositories(deps.database.db).audit;
  try {
    const submit = async (i: number, tag: string) => {
      const t = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', variables: { input: { spec: deps.spec(`flood-${tag}-${i}`) } } }),
      });
      const body = (await response.json()) as { errors?: unknown[] };
      if (body.errors) throw new Error(`a submission was refused: ${JSON.stringify(body.errors)}`);
      return performance.now() - t;
    };
    /** Submissions a quarter of a second apart, `count` of them or until `until` settles. */
    const submissions = async (tag: string, count: number, until?: Promise<unknown>) => {
      let done = false;
      void until?.finally(() => (done = true));
      const latencies: number[] = [];
      for (let i = 0; until ? !done : i < count; i++) {
        latencies.push(await submit(i, tag));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return { ...percentiles(latencies), count: latencies.length };
    };
    await submissions('warmup', 20);
    const quiet = await submissions('quiet', SUBMISSIONS);

    const auditBefore = await audit.count();
    const t0 = performance.now();
    const flooding = flood(url);
    const flooded = await submissions('flooded', 0, flooding);
    const codes = await flooding;
    const seconds = (performance.now() - t0) / 1000;
    // Each submission appends its own run.submitted event; the flood may append none.
    const auditAfter = (await audit.count()) - flooded.count;

    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const upload = url.replace(/graphql$/, 'v1/datasets/flood');
    await Promise.all(Array.from({ length: OVERSIZED }, (_, i) => sendBytes(i % 2 ? upload : url, OVERSIZED_BYTES, { 'content-type': i % 2 ? 'text/csv' : 'application/json', authorization: 'Bearer cus_bogus' })));
    clearInterval(sampler);

    return {
      flood: { requests: FLOOD, seconds, unauthenticated: codes.UNAUTHENTICATED ?? 0, limited: codes.RATE_LIMITED ?? 0, auditBefore, auditAfter },
      submission: { quiet, flooded },
      memory: { requests: OVERSIZED, bytesSent: OVERSIZED * OVERSIZED_BYTES, rssBeforeMb: rssBefore / 2 ** 20, rssPeakGrowthMb: (peak - rssBefore) / 2 ** 20 },
    };
  } finally {
    await app.close();
  }
}
