import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { MIGRATIONS_FOLDER } from '../paths.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** The Drizzle handle every repository takes; the same type on both drivers. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseOptions = { kind: 'postgres'; url: string; maxConnections?: number } | { kind: 'pglite'; dataDir?: string };

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  /** Applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  /**
   * Calls `onNotify` with each NOTIFY on `channel` (from any process, once its transaction commits), and
   * `onListening` each time the subscription is (re)made: after a lost connection, what was notified meanwhile is
   * unknown, so a listener drops whatever it derived. Resolves once listening; the result stops it.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListening?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * The client with Drizzle's queries run as prepared statements, as postgres.js runs its own: Drizzle asks
 * for unnamed ones, for which postgres.js first asks the server for the parameters' types, a round trip more
 * per query. Each connection prepares a statement once (by its text and types) and then sends it in one
 * round trip. Behind a pooler in transaction mode, `?prepare=false` in the URL turns this off.
 */
function preparing(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    get(target, key, receiver) {
      if (key === 'unsafe') return (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) => target.unsafe(query, params as postgres.ParameterOrJSON<never>[], { ...options, prepare: true });
      if (key === 'begin' || key === 'savepoint') {
        return (...args: unknown[]) => {
          const work = args.pop() as (inner: postgres.Sql) => unknown;
          return (Reflect.get(target, key) as (...a: unknown[]) => unknown).call(target, ...args, (inner: postgres.Sql) => work(preparing(inner)));
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/** Arbitrary constant key for the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 7_233_001;

/**
 * Opens the database: Postgres through postgres.js when a URL is given, otherwise embedded PGlite
 * persisted in `dataDir` (in memory when no directory is given).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.kind === 'postgres') {
    const client = postgres(options.url, { max: options.maxConnections ?? 10, onnotice: () => {} });
    const db = drizzlePostgres(preparing(client), { schema }) as unknown as Db;
    return {
      db,
      driver: 'postgres',
      async migrate() {
        // A dedicated connection holds the lock and runs the migrator, so two processes never race.
        const lockClient = postgres(options.url, { max: 1, onnotice: () => {} });
        try {
          await lockClient`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
          await migratePostgres(drizzlePostgres(lockClient), { migrationsFolder: MIGRATIONS_FOLDER });
          await lockClient`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
        } finally {
          await lockClient.end({ timeout: 5 });
        }
      },
      async listen(channel, onNotify, onListening) {
        const { unlisten } = await client.listen(channel, onNotify, onListening);
        return unlisten;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = new PGlite(options.dataDir);
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    // PGlite is one connection in this process, so there is nobody to race.
    migrate: () => migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS_FOLDER }),
    // In this process: no connection to lose, so listening starts once.
    async listen(channel, onNotify, onListening) {
      const unlisten = await client.listen(channel, onNotify);
      onListening?.();
      return () => unlisten();
    },
    close: () => client.close(),
  };
}

export interface MigrationState {
  /** Tag of the newest applied migration, such as `0001_pipeline_runs`; null before any. */
  latest: string | null;
  applied: number;
  pending: number;
}

/** Reads which committed migrations the database has applied. */
export async function migrationState(db: Db): Promise<MigrationState> {
  const journal = await readJournal();
  const exists = rowsOf<{ present: boolean }>(await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`));
  const appliedRows = exists[0]?.present
    ? rowsOf<{ created_at: string }>(await db.execute(sql`select created_at from drizzle.__drizzle_migrations order by created_at`))
    : [];
  const appliedWhen = new Set(appliedRows.map((row) => Number(row.created_at)));
  const applied = journal.filter((entry) => appliedWhen.has(entry.when));
  return {
    latest: applied.at(-1)?.tag ?? null,
    applied: applied.length,
    pending: journal.length - applied.length,
  };
}

let journal: Promise<{ tag: string; when: number }[]> | null = null;

/** The committed migrations, read once per process: they cannot change while it runs. */
function readJournal(): Promise<{ tag: string; when: number }[]> {
  journal ??= readFile(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8').then(
    (text) => (JSON.parse(text) as { entries: { tag: string; when: number }[] }).entries,
  );
  journal.catch(() => (journal = null));
  return journal;
}

/** `db.execute` returns an array on postgres.js and `{ rows }` on PGlite; this reads either. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
