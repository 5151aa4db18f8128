import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../db/client.js';

export interface TestDatabase extends Database {
  /** postgres URL of this file's database, or null on PGlite. */
  url: string | null;
}

/**
 * A fresh, migrated database for one test file: a new database on the run's Postgres server when one
 * is reachable (so files run in parallel without sharing rows), else an in-memory PGlite. With
 * `migrated: false` it is empty, for a test that migrates it step by step.
 */
export async function createTestDatabase(kind: 'default' | 'pglite' = 'default', options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const migrated = options.migrated ?? true;
  if (kind === 'pglite' || !adminUrl) {
    const database = await openDatabase({ kind: 'pglite' });
    if (migrated) await database.migrate();
    return { ...database, url: null };
  }
  const name = `custody_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 5 });
  if (migrated) await database.migrate();
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
