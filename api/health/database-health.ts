import { migrationState, type Database } from '../../db/client.js';
import type { DatabaseHealth } from './models/health.model.js';

/**
 * Whether the database answers, read as `health` reads it (its migration state): one rule of readiness for the
 * GraphQL `health` query and the serving processes' probes alike. Never throws: an unreachable database is reported.
 */
export async function databaseHealth(database: Database): Promise<DatabaseHealth> {
  try {
    const state = await migrationState(database.db);
    return { reachable: true, driver: database.driver, migration: state.latest, pendingMigrations: state.pending, error: null };
  } catch (error) {
    return { reachable: false, driver: database.driver, migration: null, pendingMigrations: 0, error: (error as Error).message };
  }
}
