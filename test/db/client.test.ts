import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationState } from '../../db/client.js';
import { datasets } from '../../db/schema/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe.each(['default', 'pglite'] as const)('database on the %s driver', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database.close();
  });

  it('applies every committed migration', async () => {
    const state = await migrationState(database.db);
    expect(state.pending).toBe(0);
    expect(state.latest).toMatch(/^\d{4}_/);
  });

  it('round-trips a row through Drizzle with time zones kept', async () => {
    const [inserted] = await database.db.insert(datasets).values({ name: `ds-${kind}` }).returning();
    expect(inserted!.id).toMatch(/^[0-9a-f-]{36}$/);
    const [read] = await database.db.select().from(datasets).where(eq(datasets.id, inserted!.id));
    expect(read!.name).toBe(`ds-${kind}`);
    expect(read!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(read!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('enforces the unique dataset name', async () => {
    await database.db.insert(datasets).values({ name: `unique-${kind}` });
    await expect(database.db.insert(datasets).values({ name: `unique-${kind}` })).rejects.toThrow();
  });

  it('migrating again is a no-op', async () => {
    await database.migrate();
    expect((await migrationState(database.db)).pending).toBe(0);
  });
});
