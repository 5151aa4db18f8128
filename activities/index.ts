import type { Database } from '../db/client.js';
import { createRepositories } from '../db/repositories/index.js';
import { tracedRepositories } from '../observability/tracing.js';
import { createDataActivities } from './data/data.activities.js';
import { createEvaluationActivities } from './evaluation/evaluation.activities.js';
import { createEventsActivities } from './events/events.activities.js';
import { createGatesActivities } from './gates/gates.activities.js';
import { createMonitoringActivities } from './monitoring/monitoring.activities.js';
import { createRegistryActivities } from './registry/registry.activities.js';
import { createReleaseActivities } from './release/release.activities.js';
import { createRunsActivities } from './runs/runs.activities.js';
import { createScoringActivities } from './scoring/scoring.activities.js';
import { openArtifactStore, type ArtifactSettings } from '../storage/open-store.js';
import type { Keyring } from '../storage/encryption/keyring.js';
import { Pseudonyms } from '../storage/encryption/pseudonym.js';
import { createSystemActivities } from './system/system.activities.js';
import { createTrainingActivities } from './training/training.activities.js';

/** What the activity factories depend on; the worker builds it once. */
export interface ActivityDependencies {
  database: Database;
  artifacts: ArtifactSettings;
  /** With a keyring, artifacts are encrypted at rest (CUSTODY_ENCRYPTION_KEYS). */
  keyring?: Keyring | null;
  /** Dataset files named in specs are read from inside this directory only. */
  importDir: string;
  /** Private address ranges webhooks may still reach (CUSTODY_WEBHOOK_ALLOW_RANGES). */
  webhookAllowRanges?: readonly string[];
}

/** All activities, composed from the per-domain factories. */
export function createActivities(deps: ActivityDependencies) {
  const repos = tracedRepositories(createRepositories(deps.database.db));
  const store = openArtifactStore(deps.artifacts, deps.keyring);
  const pseudonyms = deps.keyring ? new Pseudonyms(deps.keyring) : null;
  return {
    ...createSystemActivities(deps),
    ...createRunsActivities({ repos }),
    ...createDataActivities({ repos, store, importDir: deps.importDir }),
    ...createTrainingActivities({ repos, store }),
    ...createScoringActivities({ repos, store, pseudonyms }),
    ...createEvaluationActivities({ repos, store }),
    ...createRegistryActivities({ repos }),
    ...createReleaseActivities({ repos }),
    ...createGatesActivities({ repos }),
    ...createMonitoringActivities({ repos, store, pseudonyms }),
    ...createEventsActivities({ repos, webhookAllowRanges: deps.webhookAllowRanges ?? [] }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
