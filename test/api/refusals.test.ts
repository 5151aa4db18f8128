import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { startStack, type TestStack } from '../support/stack.js';

/**
 * Nobody without a token can grow the audit history: a refusal that names no known principal is
 * counted per source and minute in a table of its own, while a known principal's refusal stays an
 * audit event (a governance fact).
 */
describe('refused requests', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const head = async () => (await stack.api.data<{ verifyAuditTrail: { ok: boolean; headSeq: number } }>('{ verifyAuditTrail { ok headSeq } }', {}, 'admin@example.com')).verifyAuditTrail;
  const bogus = (i: number) =>
    fetch(stack.api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(i % 2 ? { authorization: `Bearer cus_bogus${i}` } : {}) },
      body: JSON.stringify({ query: '{ pipelineRuns { nodes { id } } }' }),
    }).then(async (r) => ((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code);

  it('a flood of requests with bogus or missing tokens leaves the audit chain as it was, and is counted', { timeout: 120_000 }, async () => {
    const before = await head();
    const codes: string[] = [];
    for (let batch = 0; batch < 10; batch++) codes.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => bogus(batch * 50 + i)))));
    expect(new Set(codes)).toEqual(new Set(['UNAUTHENTICATED']));
    const after = await head();
    expect(after).toEqual({ ok: true, headSeq: before.headSeq });

    const counted = await createRepositories(stack.database.db).access.refusalCounts();
    const total = (reason: string) => counted.filter((r) => r.operation === 'pipelineRuns' && r.reason === reason).reduce((n, r) => n + r.count, 0);
    expect(total('the token is unknown or revoked')).toBe(250);
    expect(total('an Authorization: Bearer <token> header is required')).toBe(250);
    expect(counted.every((r) => /127\.0\.0\.1|::1/.test(r.source))).toBe(true);
  });

  it("a known principal's refusal is still one audit event in the chain", async () => {
    const before = await head();
    const refused = await stack.api.gql('mutation { createToken(input: { name: "x@example.com", role: "admin" }) { token } }', {}, { as: 'viewer@example.com' });
    expect(refused.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await head()).headSeq).toBe(before.headSeq + 1);
  });

  it('tokens expire: 90 days by default, sooner when asked, never only when asked explicitly', { timeout: 30_000 }, async () => {
    const create = (input: string) => stack.api.gql<{ createToken: { token: string; details: { expiresAt: string | null } } }>(`mutation { createToken(input: ${input}) { token details { expiresAt } } }`, {}, { as: 'admin@example.com' });
    const person = (await create('{ name: "dana@example.com", role: "viewer" }')).data!.createToken;
    const days = (Date.parse(person.details.expiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    expect((await create('{ name: "nightly-ci", role: "submitter", neverExpires: true }')).data!.createToken.details.expiresAt).toBeNull();
    expect((await create('{ name: "x", role: "viewer", expiresIn: "forever" }')).errors![0]).toMatchObject({ message: 'input.expiresIn must be a duration such as 30d, 12h or 90m, at most 730d', extensions: { code: 'BAD_USER_INPUT' } });
    expect((await create('{ name: "x", role: "viewer", expiresIn: "1d", neverExpires: true }')).errors![0]!.message).toBe('input.expiresIn cannot be given with neverExpires');

    const short = (await create('{ name: "temp@example.com", role: "viewer", expiresIn: "2s" }')).data!.createToken;
    const me = () => fetch(stack.api.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${short.token}` }, body: '{"query":"{ me { name } }"}' }).then((r) => r.json() as Promise<any>);
    expect((await me()).data.me.name).toBe('temp@example.com');
    await new Promise((resolve) => setTimeout(resolve, Date.parse(short.details.expiresAt!) - Date.now() + 200));
    const before = await head();
    const expired = await me();
    expect(expired.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(expired.errors[0].message).toBe(`Not authenticated: the token expired at ${new Date(short.details.expiresAt!).toISOString()}; ask an admin for a new one`);
    expect((await head()).headSeq).toBe(before.headSeq);
    const listed = await stack.api.data<{ tokens: { principalName: string; expiresAt: string | null }[] }>('{ tokens { principalName expiresAt } }', {}, 'admin@example.com');
    expect(listed.tokens.find((t) => t.principalName === 'nightly-ci')!.expiresAt).toBeNull();
  });
});
