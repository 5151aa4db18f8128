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
});
