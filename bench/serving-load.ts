import autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { bareHandler } from './bare-endpoint.js';

const CONNECTIONS = 32;
const SECONDS = 10;
const FLOWER = { sepal_length: 5.9, sepal_width: 3.0, petal_length: 5.1, petal_width: 1.8 };

export interface LoadFigure {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface ServingLoadFigures {
  connections: number;
  seconds: number;
  rest: LoadFigure;
  graphql: LoadFigure;
  bare: LoadFigure;
  /** The same REST and bare loads from a load generator in a process of its own. */
  apart: { rest: LoadFigure; bare: LoadFigure };
}

async function load(url: string, body: string, headers: Record<string, string>): Promise<LoadFigure> {
  const result = await autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, connections: CONNECTIONS, duration: SECONDS });
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** How a load from a process of its own is made. */
export interface LoadShape {
  connections: number;
  seconds: number;
}

/** The same load from autocannon's command line, in a process of its own (its JSON report read back). */
export function loadApart(url: string, body: string, headers: Record<string, string>, shape: LoadShape = { connections: CONNECTIONS, seconds: SECONDS }): Promise<LoadFigure & { answered: number }> {
  const headerArgs = Object.entries({ 'content-type': 'application/json', ...headers }).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
  const args = [AUTOCANNON_CLI, '-c', String(shape.connections), '-d', String(shape.seconds), '-m', 'POST', '-b', body, ...headerArgs, '-j', url];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { maxBuffer: 64 * 2 ** 20 }, (error, stdout) => {
      if (error) return reject(error);
      const result = JSON.parse(stdout) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number; '2xx': number };
      resolve({ requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, answered: result['2xx'] });
    }),
  );
}

const FIXED_RATE_CLI = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './fixed-rate.ts' : './fixed-rate.js', import.meta.url));

/**
 * `rate` requests a second for `seconds` from bench/fixed-rate.ts, an open-loop generator in a process of its own,
 * each latency measured from the request's appointed time (autocannon's fixed rate sends in bursts on many
 * connections, which measures the generator more than the server).
 */
export function loadAtFixedRate(url: string, body: string, token: string | undefined, rate: number, seconds: number): Promise<LoadFigure & { answered: number }> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [FIXED_RATE_CLI, url, String(rate), String(seconds), body, ...(token ? [token] : [])], (error, stdout) => {
      if (error) return reject(error);
      const result = JSON.parse(stdout) as { requestsPerSecond: number; p50: number; p99: number; errors: number; answered: number };
      resolve({ requestsPerSecond: result.requestsPerSecond, p50: result.p50, p99: result.p99, errors: result.errors, answered: result.answered });
    }),
  );
}

/** A bare node:http endpoint that reads a JSON body and answers JSON: the most any Node server can do here. */
async function bareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(bareHandler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * REST and GraphQL predict at batch 1 under 32 concurrent connections (autocannon, 10 s each), with the
 * prediction log on and a viewer's token, against a bare node:http JSON endpoint in the same process; then
 * both again from a load generator in a process of its own, which leaves the server a core to itself less often
 * (the machine's other core also runs the database).
 */
export async function servingLoadBench(app: INestApplication, model: string, token: string): Promise<ServingLoadFigures> {
  const { port } = app.getHttpServer().address() as { port: number };
  const auth = { authorization: `Bearer ${token}` };
  const inputs = [{ ...FLOWER }];
  const bare = await bareServer();
  try {
    const bareFigure = await load(bare.url, JSON.stringify({ inputs }), {});
    const rest = await load(`http://127.0.0.1:${port}/v1/models/${model}/predict`, JSON.stringify({ inputs }), auth);
    const apart = { bare: await loadApart(bare.url, JSON.stringify({ inputs }), {}), rest: await loadApart(`http://127.0.0.1:${port}/v1/models/${model}/predict`, JSON.stringify({ inputs }), auth) };
    const graphql = await load(`http://127.0.0.1:${port}/graphql`, JSON.stringify({ query: 'mutation($input: PredictInput!) { predict(input: $input) { value } }', variables: { input: { model, inputs } } }), auth);
    return { connections: CONNECTIONS, seconds: SECONDS, rest, graphql, bare: bareFigure, apart };
  } finally {
    await bare.close();
  }
}
