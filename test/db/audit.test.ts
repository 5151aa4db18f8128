import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { auditEvents } from '../../db/schema/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe.each(['default', 'pglite'] as const)('audit history on the %s driver', (kind) => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.close();
  });
  const withEvents = async (count: number) => {
    database = await createTestDatabase(kind);
    const { audit } = createRepositories(database.db);
    const rows = [];
    for (let i = 1; i <= count; i++) {
      rows.push(await audit.append({ actor: `person${i}@example.com`, action: 'test.event', subjectType: 'run', subjectId: `run-${i}`, payload: { i }, idempotencyKey: `k${i}` }));
    }
    return { audit, rows };
  };
  /** Changes rows the way an attacker with table rights could: with the trigger disabled. */
  const tamper = async (statements: string) => {
    const all = ['alter table audit_events disable trigger audit_events_no_update_or_delete', ...statements.split(';'), 'alter table audit_events enable trigger audit_events_no_update_or_delete'];
    for (const statement of all) if (statement.trim()) await database.db.execute(sql.raw(statement));
  };
  /** The database's own words for a failed statement (Drizzle wraps them). */
  const refusal = async (statement: string) => {
    try {
      await database.db.execute(sql.raw(statement));
      return 'accepted';
    } catch (error) {
      return String((error as { cause?: Error }).cause?.message ?? (error as Error).message);
    }
  };

  it('chains every event to the one before, exactly once per key', async () => {
    const { audit, rows } = await withEvents(3);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0]!.prevHash).toBe('0'.repeat(64));
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(rows[2]!.prevHash).toBe(rows[1]!.hash);
    const again = await audit.append({ actor: 'someone', action: 'other', subjectType: 'run', subjectId: 'x', idempotencyKey: 'k2' });
    expect(again.id).toBe(rows[1]!.id);
    expect(await audit.count()).toBe(3);
    expect(await audit.verify()).toEqual({ ok: true, checked: 3, headSeq: 3, headHash: rows[2]!.hash });
  });

  it('appends several events in the order given, in one chain, each key once', async () => {
    const { audit, rows } = await withEvents(1);
    const event = (key: string) => ({ actor: 'system', action: 'test.batch', subjectType: 'run', subjectId: 'run-b', idempotencyKey: key });
    const batch = await audit.appendMany([event('b1'), event('b2'), event('b3')]);
    expect(batch.map((row) => row.seq)).toEqual([rows[0]!.seq + 1, rows[0]!.seq + 2, rows[0]!.seq + 3]);
    expect(batch[1]!.prevHash).toBe(batch[0]!.hash);
    // Sent again with a new one after them: the three are returned as written, the new one follows.
    const again = await audit.appendMany([event('b1'), event('b2'), event('b3'), event('b4')]);
    expect(again.map((row) => row.id).slice(0, 3)).toEqual(batch.map((row) => row.id));
    expect(again[3]!.seq).toBe(batch[2]!.seq + 1);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 5 });
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await withEvents(1);
    expect(await refusal(`update audit_events set actor = 'mallory'`)).toBe('audit_events is append-only: UPDATE is not allowed');
    expect(await refusal('delete from audit_events')).toBe('audit_events is append-only: DELETE is not allowed');
    expect(await refusal('truncate audit_events')).toBe('audit_events is append-only: TRUNCATE is not allowed');
  });

  it('names an event altered behind the trigger', async () => {
    const { audit, rows } = await withEvents(4);
    await tamper(`update audit_events set payload = '{"i": 99}' where seq = 3`);
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 2, firstBad: { seq: 3, id: rows[2]!.id, reason: 'event 3 was altered: its content no longer matches its hash' } });
  });

  it('names an event removed from the middle, and events removed from the end', async () => {
    const { audit } = await withEvents(4);
    await tamper('delete from audit_events where seq = 2');
    expect((await audit.verify()).firstBad).toEqual({ seq: 2, id: null, reason: 'event 2 is missing: the chain jumps from 1 to 3' });
    await database.close();
    const tail = await withEvents(3);
    await tamper('delete from audit_events where seq = 3');
    expect((await tail.audit.verify()).firstBad?.reason).toBe('the chain ends at event 2, but its head says 3: events were removed from the end');
  });

  it('names events that were reordered', async () => {
    const { audit, rows } = await withEvents(3);
    await tamper('update audit_events set seq = -seq where seq in (1, 2); update audit_events set seq = 2 where seq = -1; update audit_events set seq = 1 where seq = -2');
    expect(await audit.verify()).toMatchObject({ ok: false, firstBad: { seq: 1, id: rows[1]!.id } });
  });

  it('commits concurrent appends in groups, and keeps one chain with another writer and with retried keys', async () => {
    database = await createTestDatabase(kind);
    // Statements and transactions each handle sends: one handle stands for this process, the other for another process.
    const sent = { worker: 0, api: 0 };
    const counted = (name: keyof typeof sent) =>
      new Proxy(database.db, {
        get(target, key) {
          const value = Reflect.get(target, key) as unknown;
          if (key === 'execute' || key === 'transaction') sent[name]++;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    const worker = createRepositories(counted('worker')).audit;
    const api = createRepositories(counted('api')).audit;
    const event = (key: string) => ({ actor: 'system', action: 'test.event', subjectType: 'run', subjectId: key, payload: { key }, idempotencyKey: key });

    const first = await Promise.all(Array.from({ length: 40 }, (_, i) => worker.append(event(`w${i}`))));
    expect(sent.worker).toBeLessThanOrEqual(3);
    expect(first.map((row) => row.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

    // Both writers at once, a key twice in one group, and keys the other writer wrote already.
    const mixed = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => worker.append(event(`x${i}`))),
      ...Array.from({ length: 30 }, (_, i) => api.append(event(`y${i}`))),
      worker.append(event('x3')),
      api.append(event('x5')),
      worker.append(event('w7')),
    ]);
    expect(mixed[60]!.id).toBe(mixed[3]!.id);
    expect(mixed[61]!.id).toBe(mixed[5]!.id);
    expect(mixed[62]!.id).toBe(first[7]!.id);
    expect(await database.db.$count(auditEvents)).toBe(100);
    const verification = await worker.verify();
    expect(verification).toMatchObject({ ok: true, checked: 100, headSeq: 100 });
    // The chain each writer returned is the chain stored.
    const stored = new Map((await database.db.select().from(auditEvents)).map((row) => [row.id, row]));
    for (const row of [...first, ...mixed]) expect(stored.get(row.id)).toEqual(row);
  });
});
