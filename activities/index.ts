import type { Database } from '../db/client.js';
import { createSystemActivities } from './system/system.activities.js';

/** What every activity factory may depend on; the worker builds it once. */
export interface ActivityDependencies {
  database: Database;
}

/** All activities, composed from the per-domain factories. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createSystemActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
