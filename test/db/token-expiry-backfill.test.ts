import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../api/access/bearer.js';
import { RefusalAudit } from '../../api/access/refusal-audit.js';
import { RefusalLimiter } from '../../api/access/refusal-limiter.js';
import { TokensService } from '../../api/access/tokens.service.js';
import { createTemporalClient } from '../../api/bootstrap.js';
import { rowsOf } from '../../db/client.js';
import { createRepositories, type Repositories } from '../../db/repositories/index.js';
import { tokenExpiryGrants } from '../../db/schema/index.js';
import { MIGRATIONS_FOLDER } from '../../paths.js';
import { startTestApi } from '../support/api.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const DAY_MS = 86_400_000;

/** Applies the committed migrations up to and including `tag`, as a database of that release had them. */
async function migrateThrough(database: TestDatabase, tag: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-migrations-'));
  try {
    cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
    const file = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(file, 'utf8')) as { entries: { tag: string }[] };
    const last = journal.entries.findIndex((entry) => entry.tag === tag);
    expect(last, tag).toBeGreaterThanOrEqual(0);
    writeFileSync(file, JSON.stringify({ ...journal, entries: journal.entries.slice(0, last + 1) }));
    if (database.driver === 'pglite') await migratePglite(database.db as never, { migrationsFolder: dir });
    else await migratePostgres(database.db as never, { migrationsFolder: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Tokens issued before tokens expired (before migration 0017) never expired. Migration 0025 gives each live one an
 * expiry 90 days from the migration, and every API start records each expiry given in the audit history, once;
 * tokens asked for without an expiry (neverExpires), and their successors, keep none.
 */
describe.each(['default', 'pglite'] as const)('tokens from before expiry, on the %s driver', (kind) => {
  let database: TestDatabase;
  let repos: Repositories;
  const ids: Record<string, string> = {};
  const legacyToken = `cus_${'l'.repeat(43)}`;
  let migratedAt: number;

  beforeAll(async () => {
    database = await createTestDatabase(kind, { migrated: false });
    repos = createRepositories(database.db);

    // A release before expiry: tokens stored without one, and token.created events that do not name it.
    await migrateThrough(database, '0016_auth_refusals');
    const [principal] = rowsOf<{ id: string }>(await database.db.execute(sql`insert into principals (name, role, created_by) values ('legacy@example.com', 'viewer', 'test') returning id`));
    const legacy = async (name: string, hash: string) => {
      const [row] = rowsOf<{ id: string; prefix: string }>(
        await database.db.execute(sql`insert into api_tokens (principal_id, token_hash, prefix, created_by, created_at) values (${principal!.id}, ${hash}, 'cus_llll', 'admin@example.com', '2026-01-01T00:00:00Z') returning id, prefix`),
      );
      await repos.audit.append({ actor: 'admin@example.com', action: 'token.created', subjectType: 'principal', subjectId: 'legacy@example.com', payload: { role: 'viewer', tokenId: row!.id, prefix: row!.prefix }, idempotencyKey: `token:${row!.id}:created` });
      ids[name] = row!.id;
    };
    await legacy('live', hashToken(legacyToken));
    await legacy('rotated', hashToken(`${legacyToken}-rotated`));
    await legacy('revoked', hashToken(`${legacyToken}-revoked`));

    // The release before this one: tokens expire unless asked not to, and rotate.
    await migrateThrough(database, '0022_projection_fence');
    const config = testConfig();
    const tokens = new TokensService(repos, new RefusalLimiter(config), new RefusalAudit(repos, config), database);
    const admin = { name: 'admin@example.com', role: 'admin' as const };
    await repos.access.revokeToken(ids.revoked!, 'admin@example.com');
    ids.rotatedSuccessor = (await tokens.rotate({ id: ids.rotated! }, admin)).row.id;
    ids.service = (await tokens.create({ name: 'nightly-ci', role: 'submitter', neverExpires: true }, 'admin@example.com')).row.id;
    ids.serviceSuccessor = (await tokens.rotate({ id: ids.service }, admin)).row.id;
    ids.person = (await tokens.create({ name: 'dana@example.com', role: 'viewer' }, 'admin@example.com')).row.id;
    ids.personMadeService = (await tokens.rotate({ id: ids.person, neverExpires: true }, admin)).row.id;

    migratedAt = Date.now();
    await database.migrate();
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  const expiries = async () => Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([name, id]) => [name, (await repos.access.findToken(id))!.expiresAt] as const)));

  it('gives each live token from before expiry, and the successor it passed "never" to, an expiry 90 days from the migration', async () => {
    const after = await expiries();
    for (const name of ['live', 'rotatedSuccessor']) {
      expect(after[name], name).toBeInstanceOf(Date);
      expect(Math.abs(after[name]!.getTime() - (migratedAt + 90 * DAY_MS)), name).toBeLessThan(60_000);
    }
    // Asked for without an expiry, or passed on from a token asked for so: still none. Revoked: left as it was.
    expect({ service: after.serviceSuccessor, personMadeService: after.personMadeService, revoked: after.revoked }).toEqual({ service: null, personMadeService: null, revoked: null });
    const grants = await database.db.select().from(tokenExpiryGrants);
    expect(grants.map((g) => g.tokenId).sort()).toEqual([ids.live, ids.rotatedSuccessor].sort());
    expect(grants.every((g) => g.auditedAt === null)).toBe(true);
  });

  it('records each expiry given in the audit history once, however many API processes start, at once or again', { timeout: 60_000 }, async () => {
    const start = async () => {
      const config = testConfig();
      const temporal = createTemporalClient(config);
      const api = await startTestApi({ config, database, temporal }, { seedPeople: false });
      return { api, close: async () => (await api.close(), await temporal.connection.close()) };
    };
    const together = await Promise.all([start(), start()]);
    for (const started of together) await started.close();
    const again = await start();
    try {
      const events = await repos.audit.list({ action: 'token.expiry_set' }, 100);
      expect(events.map((e) => e.subjectId).sort()).toEqual([ids.live, ids.rotatedSuccessor].sort());
      const live = (await repos.access.findToken(ids.live!))!;
      expect(events.find((e) => e.subjectId === ids.live)).toMatchObject({
        actor: 'system:migration',
        subjectType: 'token',
        payload: { principal: 'legacy@example.com', prefix: 'cus_llll', expiresAt: live.expiresAt!.toISOString() },
      });
      expect((await repos.audit.verify()).ok).toBe(true);
      expect((await database.db.select().from(tokenExpiryGrants)).every((g) => g.auditedAt !== null)).toBe(true);

      // The token still works until then, and says when it stops.
      const me = await fetch(again.api.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${legacyToken}` }, body: '{"query":"{ me { name } }"}' });
      expect(((await me.json()) as { data: { me: { name: string } } }).data.me.name).toBe('legacy@example.com');
      expect(await again.api.app.get(TokensService).auditGivenExpiries()).toBe(0);
    } finally {
      await again.close();
    }
  });
});
