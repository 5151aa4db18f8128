import { activityInfo } from '@temporalio/activity';
import { migrationState, type Database } from '../../db/client.js';

export interface SelfCheckReport {
  driver: 'postgres' | 'pglite';
  migration: string | null;
  pendingMigrations: number;
  taskQueue: string;
}

/** Activities that let an operator prove the worker, its database and the task queue are wired up. */
export function createSystemActivities({ database }: { database: Database }) {
  return {
    /** Reads the database's migration state from the worker's side. Read-only, so retries are harmless. */
    async checkDatabase(): Promise<SelfCheckReport> {
      const state = await migrationState(database.db);
      return {
        driver: database.driver,
        migration: state.latest,
        pendingMigrations: state.pending,
        taskQueue: activityInfo().taskQueue,
      };
    },
  };
}

export type SystemActivities = ReturnType<typeof createSystemActivities>;
