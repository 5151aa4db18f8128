import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiWith, sendBytes as send } from '../support/api.js';

describe('the HTTP surface, with its defaults', () => {
  let server: Awaited<ReturnType<typeof apiWith>>;
  beforeAll(async () => {
    server = await apiWith({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it('sends security headers, with a content security policy the console can live with', async () => {
    const response = await fetch(server.api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ health { ok } }"}' });
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('answers no cross-origin caller when no origin is allowed', async () => {
    const preflight = await fetch(server.api.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a GraphQL body over 1 MB with 413 naming the limit and the upload endpoint', async () => {
    const response = await fetch(server.api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ health { ok } }', variables: { pad: 'x'.repeat(1_100_000) } }) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'The request body is larger than the 1 MB limit; upload datasets with POST /v1/datasets/{name}', extensions: { code: 'PAYLOAD_TOO_LARGE', limitBytes: 1048576 } }],
    });
  });

  it('keeps memory flat under concurrent oversized unauthenticated bodies (12 × 25 MB grow it by under 96 MB, a third of what buffering would take)', { timeout: 60_000 }, async () => {
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    // Half to GraphQL (parsed before authentication, so bounded by the body limit), half to the upload endpoint (authenticated first).
    const upload = server.api.url.replace(/graphql$/, 'v1/datasets/flood');
    const answers = (await Promise.all(Array.from({ length: 12 }, (_, i) => send(i % 2 ? upload : server.api.url, 25 * 1024 * 1024, { 'content-type': i % 2 ? 'text/csv' : 'application/json', authorization: 'Bearer cus_bogus' })))).map((a) => a.status);
    clearInterval(sampler);
    for (const answer of answers) expect([413, 401, 'reset']).toContain(answer);
    expect(answers).toContain(413);
    expect(answers).toContain(401);
    // The sending side lives in this process too, and other suites run beside it: the bound leaves room for both.
    expect((peak - before) / 1024 / 1024).toBeLessThan(96);
  });
});

describe('the HTTP surface, configured strictly', () => {
  let server: Awaited<ReturnType<typeof apiWith>>;
  beforeAll(async () => {
    server = await apiWith({ CUSTODY_CORS_ORIGINS: 'https://console.example.com', CUSTODY_GRAPHQL_MAX_DEPTH: '3', CUSTODY_GRAPHQL_MAX_COST: '300', CUSTODY_GRAPHQL_INTROSPECTION: 'false' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('allows exactly the origins on its allow-list', async () => {
    const preflight = (origin: string) => fetch(server.api.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const allowed = await preflight('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an operation deeper than the depth limit, naming the limit', async () => {
    expect((await server.api.gql('{ pipelineRuns { nodes { id } } }')).errors).toBeUndefined();
    const deep = await server.api.gql('query Deep { pipelineRuns { nodes { modelVersion { features { name } } } } }');
    expect(deep.errors![0]).toMatchObject({ message: 'Query depth limit of 3 exceeded, found 5.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    // Fragments that spread each other, or one that does not exist, are refused as invalid, not a crash.
    const cycle = await server.api.gql('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }');
    expect(cycle.status).toBe(400);
    expect(cycle.errors!.map((e) => e.message)).toContain('Cannot spread fragment "A" within itself via "B".');
    expect((await server.api.gql('query { ...Nope }')).errors![0]!.message).toBe('Unknown fragment "Nope".');
  });

  it('refuses an operation over the cost limit before any resolver runs, naming both figures', async () => {
    const query = 'query Runs($n: Int) { pipelineRuns(input: { first: $n }) { nodes { id status modelName } } }';
    expect((await server.api.gql(query, { n: 20 })).errors).toBeUndefined();
    const costly = await server.api.gql(query, { n: 100 });
    expect(costly.status).toBe(400);
    expect(costly.errors![0]).toMatchObject({ message: "The operation's estimated cost is 401, over the limit of 300: ask for smaller pages or fewer nested lists", extensions: { code: 'QUERY_TOO_COSTLY', cost: 401, limit: 300 } });
  });

  it('stops parsing a huge document early', async () => {
    const huge = await server.api.gql(`{ ${'me { name } '.repeat(2000)} }`);
    expect(huge.errors![0]!.message).toBe('Syntax Error: Document contains more that 5000 tokens. Parsing aborted.');
  });

  it('refuses introspection when it is turned off', async () => {
    const introspection = await server.api.gql('{ __schema { queryType { name } } }');
    expect(introspection.errors![0]!.message).toMatch(/introspection is not allowed/i);
  });
});
