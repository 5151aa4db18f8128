import type { Db } from '../client.js';
import { AccessRepository } from './access.js';
import { ArtifactsRepository } from './artifacts.js';
import { AuditRepository } from './audit.js';
import { DatasetsRepository } from './datasets.js';
import { EncryptionKeysRepository } from './encryption-keys.js';
import { EventsRepository } from './events.js';
import { GatesRepository } from './gates.js';
import { LineageRepository } from './lineage.js';
import { MonitoringRepository } from './monitoring.js';
import { PredictionsRepository } from './predictions.js';
import { PrivacyRepository } from './privacy.js';
import { RegistryRepository } from './registry.js';
import { RunsRepository } from './runs.js';
import { ReleasesRepository } from './releases.js';
import { ScoringRepository } from './scoring.js';
import { TrialsRepository } from './trials.js';

/** Every repository over one database handle (not a transaction's: the audit history commits in groups of its own); activities and API services both take this. */
export function createRepositories(db: Db) {
  return {
    datasets: new DatasetsRepository(db),
    runs: new RunsRepository(db),
    trials: new TrialsRepository(db),
    registry: new RegistryRepository(db),
    gates: new GatesRepository(db),
    audit: new AuditRepository(db, { groupCommit: true }),
    access: new AccessRepository(db),
    lineage: new LineageRepository(db),
    predictions: new PredictionsRepository(db),
    monitoring: new MonitoringRepository(db),
    events: new EventsRepository(db),
    artifacts: new ArtifactsRepository(db),
    encryptionKeys: new EncryptionKeysRepository(db),
    privacy: new PrivacyRepository(db),
    scoring: new ScoringRepository(db),
    releases: new ReleasesRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
