import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusalAudit } from '../../api/access/refusal-audit.js';
import { createRepositories } from '../../db/repositories/index.js';
import { startStack, type TestStack } from '../support/stack.js';

/**
 * Nobody without a token can grow the audit history: a refusal that names no known principal is
 * counted per source and minute in a table of its own, while a known principal's refusal stays an
 * audit event (a governance fact), up to a threshold a minute, past which the minute is one counted
 * event. Past a limit, refusals cost the client a 429, not us a lookup.
 */
describe('a flood of refused requests', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ env: { CUSTODY_AUTH_REFUSALS_PER_MINUTE: '40' } });
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
    }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), code: ((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code }));

  it('leaves the audit chain as it was, counts each refusal it answered, and then answers 429 with Retry-After', { timeout: 120_000 }, async () => {
    const before = await head();
    const answers: Awaited<ReturnType<typeof bogus>>[] = [];
    for (let batch = 0; batch < 10; batch++) answers.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => bogus(batch * 50 + i)))));
    expect(await head()).toEqual({ ok: true, headSeq: before.headSeq });

    const refused = answers.filter((a) => a.code === 'UNAUTHENTICATED');
    const limited = answers.filter((a) => a.code === 'RATE_LIMITED');
    expect(refused.length + limited.length).toBe(500);
    // The limit is 40 a minute; requests already past the check when the 40th was counted still finish.
    expect(refused.length).toBeGreaterThanOrEqual(40);
    expect(refused.length).toBeLessThan(40 + 50);
    for (const answer of limited) {
      expect(answer.status).toBe(429);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
    }
    const counted = await createRepositories(stack.database.db).access.refusalCounts();
    expect(counted.filter((r) => r.operation === 'pipelineRuns').reduce((n, r) => n + r.count, 0)).toBe(refused.length);
    expect(counted.every((r) => /127\.0\.0\.1|::1/.test(r.source))).toBe(true);
  });

  it('still serves people with valid tokens from the flooded address, used recently or not', async () => {
    expect((await bogus(1)).status).toBe(429);
    const viewer = await stack.api.gql<{ me: { name: string } }>('{ me { name } }', {}, { as: 'viewer@example.com' });
    expect(viewer.data?.me.name).toBe('viewer@example.com');
    expect((await stack.api.gql('{ me { name } }', {}, { as: 'viewer@example.com' })).status).toBe(200);
  });
});

describe('refused requests', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const head = async () => (await stack.api.data<{ verifyAuditTrail: { ok: boolean; headSeq: number } }>('{ verifyAuditTrail { ok headSeq } }', {}, 'admin@example.com')).verifyAuditTrail;
  it("a known principal's refusal is still one audit event in the chain", async () => {
    const before = await head();
    const refused = await stack.api.gql('mutation { createToken(input: { name: "x@example.com", role: "admin" }) { token } }', {}, { as: 'viewer@example.com' });
    expect(refused.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await head()).headSeq).toBe(before.headSeq + 1);
  });

  it("counts a known principal's refusals past the threshold of a minute into one event: the first stay events, and the chain grows by the threshold and one", { timeout: 120_000 }, async () => {
    const threshold = stack.config.security.auditedRefusalsPerMinute;
    expect(threshold).toBe(10);
    const hammer = (await stack.api.data<{ createToken: { token: string } }>('mutation { createToken(input: { name: "hammer@example.com", role: "viewer" }) { token } }', {}, 'admin@example.com')).createToken.token;
    const refused = () =>
      fetch(stack.api.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${hammer}` }, body: JSON.stringify({ query: 'mutation { createToken(input: { name: "me@example.com", role: "admin" }) { token } }' }) }).then(
        async (r) => ((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
      );
    // The 200 refusals fall in one minute: they start with at least 30 s of it left.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 30_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
    const before = await head();
    for (let batch = 0; batch < 10; batch++) expect(await Promise.all(Array.from({ length: 20 }, refused))).toEqual(Array(20).fill('FORBIDDEN'));
    expect((await head()).headSeq - before.headSeq).toBe(threshold);

    // Every refusal is counted; the minute, closed (by whichever process, as often as it may be), is one event.
    const [minute] = await createRepositories(stack.database.db).access.principalRefusalCounts('hammer@example.com');
    expect(minute).toMatchObject({ count: 200, operations: { createToken: 200 } });
    const refusals = stack.api.app.get(RefusalAudit);
    await refusals.closeMinutes(new Date(minute!.windowStart.getTime() + 120_000));
    await refusals.closeMinutes(new Date(minute!.windowStart.getTime() + 180_000));
    expect(await head()).toEqual({ ok: true, headSeq: before.headSeq + threshold + 1 });

    const trail = await stack.api.data<{ auditTrail: { nodes: { seq: number; action: string; subjectId: string; payload: Record<string, unknown> }[] } }>('{ auditTrail(input: { actor: "hammer@example.com", first: 500 }) { nodes { seq action subjectId payload } } }', {}, 'admin@example.com');
    const events = trail.auditTrail.nodes;
    expect(events.map((e) => e.action)).toEqual([...Array(threshold).fill('auth.refused'), 'auth.refused_aggregated']);
    expect(events[0]).toMatchObject({ subjectId: 'createToken', payload: { code: 'FORBIDDEN', reason: 'createToken needs the role admin; hammer@example.com is viewer' } });
    expect(events.at(-1)!.payload).toEqual({
      windowStart: minute!.windowStart.toISOString(),
      windowEnd: new Date(minute!.windowStart.getTime() + 60_000).toISOString(),
      count: 200,
      auditedOneByOne: threshold,
      aggregated: 200 - threshold,
      operations: { createToken: 200 },
    });
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

  it('rotates a token: the successor works at once, the old one only for the overlap, and both are recorded', { timeout: 30_000 }, async () => {
    type Rotated = { rotateToken: { token: string; details: { id: string; principalName: string; expiresAt: string | null } } };
    const call = (token: string, query: string) => fetch(stack.api.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) }).then((r) => r.json() as Promise<any>);
    const made = (await stack.api.data<{ createToken: { token: string; details: { id: string } } }>('mutation { createToken(input: { name: "ci@example.com", role: "submitter", expiresIn: "30d" }) { token details { id } } }', {}, 'admin@example.com')).createToken;

    // The caller's own token, with no id: a submitter rotates what it sends.
    const rotated = (await call(made.token, 'mutation { rotateToken(input: { overlap: "2s" }) { token details { id principalName expiresAt } } }')) as { data: Rotated };
    const successor = rotated.data.rotateToken;
    expect(successor.details.principalName).toBe('ci@example.com');
    expect(successor.token).not.toBe(made.token);
    // As long a life as the token it replaces (30 days), not the 90-day default.
    expect((Date.parse(successor.details.expiresAt!) - Date.now()) / 86_400_000).toBeCloseTo(30, 2);
    const again = (await call(made.token, 'mutation { rotateToken { token } }')) as { errors: { message: string; extensions: { code: string } }[] };
    expect(again.errors[0]).toMatchObject({ message: `Token ${made.details.id} was already rotated; rotate its successor instead`, extensions: { code: 'CONFLICT' } });
    expect((await call(made.token, '{ me { name } }')).data.me.name).toBe('ci@example.com');
    expect((await call(successor.token, '{ me { name } }')).data.me.name).toBe('ci@example.com');

    const tokens = async () => (await stack.api.data<{ tokens: { id: string; expiresAt: string | null; lastUsedAt: string | null }[] }>('{ tokens { id expiresAt lastUsedAt } }', {}, 'admin@example.com')).tokens;
    const old = (await tokens()).find((t) => t.id === made.details.id)!;
    expect(Date.parse(old.expiresAt!) - Date.now()).toBeLessThanOrEqual(2000);
    expect(old.lastUsedAt).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, Date.parse(old.expiresAt!) - Date.now() + 200));
    expect((await call(made.token, '{ me { name } }')).errors[0].message).toMatch(/^Not authenticated: the token expired at /);
    expect((await call(successor.token, '{ me { name } }')).data.me.name).toBe('ci@example.com');

    const audit = await stack.api.data<{ auditTrail: { nodes: { actor: string; payload: Record<string, unknown> }[] } }>(`{ auditTrail(input: { action: "token.rotated", subjectId: "${made.details.id}" }) { nodes { actor payload } } }`, {}, 'admin@example.com');
    expect(audit.auditTrail.nodes).toEqual([{ actor: 'ci@example.com', payload: expect.objectContaining({ successorId: successor.details.id, oldExpiresAt: old.expiresAt ? new Date(old.expiresAt).toISOString() : null }) }]);
  });

  it("refuses rotating another person's token except to admins, and keeps a service token's explicit lifetime", async () => {
    const service = (await stack.api.data<{ createToken: { details: { id: string } } }>('mutation { createToken(input: { name: "nightly-retrain", role: "submitter", neverExpires: true }) { details { id } } }', {}, 'admin@example.com')).createToken;
    const rotate = (id: string, as: string, extra = '') => stack.api.gql<any>(`mutation { rotateToken(input: { id: "${id}"${extra} }) { token details { expiresAt } } }`, {}, { as });
    expect((await rotate(service.details.id, 'engineer@example.com')).errors![0]).toMatchObject({ message: "Forbidden: rotateToken of another principal's token needs the role admin; engineer@example.com is submitter", extensions: { code: 'FORBIDDEN' } });
    const byAdmin = await rotate(service.details.id, 'admin@example.com');
    expect(byAdmin.data.rotateToken.details.expiresAt).toBeNull();
    expect((await rotate(service.details.id, 'admin@example.com', ', overlap: "31d"')).errors![0]!.message).toBe('input.overlap must be a duration such as 30d, 12h or 90m, at most 30d');
    expect((await rotate('00000000-0000-4000-8000-000000000000', 'admin@example.com')).errors![0]!.extensions!.code).toBe('NOT_FOUND');

    // Only an admin may lengthen a life; a revoked token has nothing to rotate.
    const own = (await stack.api.data<{ createToken: { token: string; details: { id: string } } }>('mutation { createToken(input: { name: "short@example.com", role: "viewer", expiresIn: "7d" }) { token details { id } } }', {}, 'admin@example.com')).createToken;
    const asOwner = (extra: string) => fetch(stack.api.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${own.token}` }, body: JSON.stringify({ query: `mutation { rotateToken(input: { ${extra} }) { token } }` }) }).then((r) => r.json() as Promise<any>);
    expect((await asOwner('neverExpires: true')).errors[0].message).toBe('input.neverExpires may not give the successor a longer life than the token it replaces; ask an admin');
    expect((await asOwner('expiresIn: "30d"')).errors[0].message).toBe('input.expiresIn may not give the successor a longer life than the token it replaces; ask an admin');
    await stack.api.data(`mutation { revokeToken(input: { id: "${own.details.id}" }) { id } }`, {}, 'admin@example.com');
    expect((await rotate(own.details.id, 'admin@example.com')).errors![0]!.extensions!.code).toBe('NOT_FOUND');
  });

  it('forgets a remembered token at once when its principal changes role or it is revoked', async () => {
    const made = (await stack.api.data<{ createToken: { token: string; details: { id: string } } }>('mutation { createToken(input: { name: "mover@example.com", role: "viewer" }) { token details { id } } }', {}, 'admin@example.com')).createToken;
    const me = () => fetch(stack.api.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${made.token}` }, body: '{"query":"{ me { role } }"}' }).then((r) => r.json() as Promise<any>);
    expect((await me()).data.me.role).toBe('viewer');
    await stack.api.data('mutation { createToken(input: { name: "mover@example.com", role: "approver" }) { token } }', {}, 'admin@example.com');
    expect((await me()).data.me.role).toBe('approver');
    await stack.api.data(`mutation { revokeToken(input: { id: "${made.details.id}" }) { id } }`, {}, 'admin@example.com');
    expect((await me()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
