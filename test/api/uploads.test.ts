import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiWith, sendBytes } from '../support/api.js';

const CSV = 'age,income,label\n' + Array.from({ length: 500 }, (_, i) => `${20 + (i % 50)},${1000 + i * 7},${i % 3 === 0 ? 'yes' : 'no'}`).join('\n') + '\n';

/** Streaming dataset uploads: authenticated before the body is read, hashed as it streams, bounded by a limit. */
describe('POST /v1/datasets/{name}', () => {
  let server: Awaited<ReturnType<typeof apiWith>>;
  let base: string;
  beforeAll(async () => {
    server = await apiWith({ CUSTODY_UPLOAD_LIMIT: '1mb' });
    base = server.api.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await server?.close();
  });

  const upload = async (name: string, body: string, options: { as?: string | null; query?: string; contentType?: string } = {}) => {
    const as = options.as === undefined ? 'engineer@example.com' : options.as;
    const response = await fetch(`${base}/v1/datasets/${name}${options.query ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': options.contentType ?? 'text/csv', ...(as ? { authorization: `Bearer ${server.api.tokens[as]}` } : {}) },
      body,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const root = () => (server.config.artifacts as { dir: string }).dir;
  /** Files in the store's temporary directory and in its content directory. */
  const leftovers = () =>
    ['tmp', 'sha256'].flatMap((dir) => {
      const at = path.join(root(), dir);
      return existsSync(at) ? readdirSync(at, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(at, f)).isFile()) : [];
    });

  it('registers a new version (201), and the same content again as that version (200)', async () => {
    const first = await upload('credit', CSV, { query: '?source=warehouse%20export&license=internal' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ datasetName: 'credit', version: 1, rowCount: 500, sha256: createHash('sha256').update(CSV).digest('hex'), source: 'warehouse export', license: 'internal' });
    const again = await upload('credit', CSV);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const seen = await server.api.data<{ datasetVersion: { id: string; rowCount: number } }>('{ datasetVersion(input: { name: "credit" }) { id rowCount } }');
    expect(seen.datasetVersion).toEqual({ id: first.body.id, rowCount: 500 });
    const jsonl = await upload('events', '{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n', { contentType: 'application/x-ndjson' });
    expect(jsonl).toMatchObject({ status: 201, body: { format: 'jsonl', rowCount: 2 } });
  });

  it('refuses bad input with 400 naming the field, and keeps nothing of it', async () => {
    const before = leftovers();
    expect(await upload('Bad_Name', CSV)).toEqual({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: 'name must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit', issues: [{ path: 'name', message: 'must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit' }] } } });
    expect((await upload('x', CSV, { contentType: 'application/octet-stream' })).body.error.message).toBe('query.format is required (csv or jsonl)');
    expect((await upload('x', CSV, { query: '?format=parquet' })).body.error.message).toBe('query.format must be csv or jsonl');
    expect((await upload('x', CSV, { query: `?license=${'x'.repeat(2001)}` })).body.error.message).toBe('query.license must be at most 2000 characters');
    const unreadable = await upload('x', '{"a":1}\nnot json\n', { contentType: 'application/x-ndjson' });
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.error.message).toMatch(/^body cannot be read as jsonl: /);
    expect((await upload('x', '', { contentType: 'text/csv' })).body.error.message).toMatch(/^body cannot be read as csv: /);
    expect(leftovers()).toEqual(before);
  });

  it('checks the token before reading the body: none is 401, a viewer is 403', async () => {
    expect((await upload('x', CSV, { as: null })).body.error).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await upload('x', CSV, { as: 'viewer@example.com' })).body.error).toMatchObject({ code: 'FORBIDDEN', message: 'Forbidden: POST /v1/datasets/x needs the role submitter (or admin); viewer@example.com is viewer' });
    // 200 MB declared, from nobody: refused, and the connection closed, long before the body could be sent.
    const flood = await sendBytes(`${base}/v1/datasets/x`, 200 * 1024 * 1024, { 'content-type': 'text/csv' });
    expect([401, 'reset']).toContain(flood.status);
    expect(flood.sentBytes).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses an upload over the limit with 413, declared or streamed, leaving no partial file', async () => {
    const before = leftovers();
    const auth = { 'content-type': 'text/csv', authorization: `Bearer ${server.api.tokens['engineer@example.com']}` };
    expect((await sendBytes(`${base}/v1/datasets/big`, 2 * 1024 * 1024, auth)).status).toBe(413);
    expect((await sendBytes(`${base}/v1/datasets/big`, 2 * 1024 * 1024, auth, { chunked: true })).status).toBe(413);
    const response = await fetch(`${base}/v1/datasets/big`, { method: 'POST', headers: auth, body: 'a\n'.repeat(600_000) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The upload is larger than the 1 MB limit (CUSTODY_UPLOAD_LIMIT)', issues: [{ path: 'body', message: 'must be at most 1 MB' }] } });
    expect(leftovers()).toEqual(before);
    expect((await server.api.gql('{ datasetVersion(input: { name: "big" }) { id } }')).errors![0]!.extensions!.code).toBe('NOT_FOUND');
  });
});
