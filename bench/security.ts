import { spawn } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { TokensService } from '../api/access/tokens.service.js';
import { createApiApp } from '../api/bootstrap.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { createRepositories } from '../db/repositories/index.js';
import type { PipelineSpec } from '../domain/pipeline/spec.js';
import { sendBytes } from './send-bytes.js';
import { ms } from './timing.js';

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

export function securitySection({ flood, submission, memory }: SecurityFigures): string {
  return [
    '## Refused requests and large bodies',
    '',
    `${flood.requests.toLocaleString('en')} GraphQL requests with a bogus token or none, 50 at a time from another process on the same address, against an API with the default limits: 60 refused authentications a minute per client, then 429, each held a second (a tarpit), so the flood paces itself at 50 requests a second. All through it, a submitter on the same address submits a pipeline every quarter second (${submission.flooded.count} submissions); baseline: ${submission.quiet.count} submissions at the same pace with no flood, just before.`,
    '',
    '| | figure |',
    '| --- | --- |',
    `| flood answered in | ${flood.seconds.toFixed(1)} s (${(flood.requests / flood.seconds).toFixed(0)} requests/s) |`,
    `| answered 401 (refused and counted) / 429 (rate-limited, nothing read) | ${flood.unauthenticated} / ${flood.limited} |`,
    `| audit chain length before / after the flood | ${flood.auditBefore} / ${flood.auditAfter} |`,
    '',
    '| submission | p50 | p99 |',
    '| --- | --- | --- |',
    `| during the flood | ${ms(submission.flooded.p50)} | ${ms(submission.flooded.p99)} |`,
    `| quiet (baseline) | ${ms(submission.quiet.p50)} | ${ms(submission.quiet.p99)} |`,
    `| **ratio** | **${(submission.flooded.p50 / submission.quiet.p50).toFixed(2)}×** | ${(submission.flooded.p99 / submission.quiet.p99).toFixed(2)}× |`,
    '',
    `Memory: ${memory.requests} concurrent ${(memory.bytesSent / memory.requests / 2 ** 20).toFixed(0)} MB bodies with a bogus token, half to GraphQL (refused from their Content-Length at the 1 MB body limit), half to \`POST /v1/datasets/{name}\` (refused before reading, by the token check): ${(memory.bytesSent / 2 ** 20).toFixed(0)} MB sent, and the server's resident memory grew by at most **${memory.rssPeakGrowthMb.toFixed(0)} MB** from ${memory.rssBeforeMb.toFixed(0)} MB. Before these limits, twelve 25 MB bodies grew it by about 630 MB.`,
  ].join('\n');
}
