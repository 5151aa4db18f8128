import type { Db } from './client.js';
import { AccessRepository } from './repositories/access.js';
import { AuditRepository } from './repositories/audit.js';
import { DatasetsRepository } from './repositories/datasets.js';
import { EventsRepository } from './repositories/events.js';
import { GatesRepository } from './repositories/gates.js';
import { LineageRepository } from './repositories/lineage.js';
import { MonitoringRepository } from './repositories/monitoring.js';
import { PredictionsRepository } from './repositories/predictions.js';
import { RegistryRepository } from './repositories/registry.js';
import { RunsRepository } from './repositories/runs.js';
import { TrialsRepository } from './repositories/trials.js';

/** Every repository over one database handle; activities and API services both take this. */
export function createRepositories(db: Db) {
  return {
    datasets: new DatasetsRepository(db),
    runs: new RunsRepository(db),
    trials: new TrialsRepository(db),
    registry: new RegistryRepository(db),
    gates: new GatesRepository(db),
    audit: new AuditRepository(db),
    access: new AccessRepository(db),
    lineage: new LineageRepository(db),
    predictions: new PredictionsRepository(db),
    monitoring: new MonitoringRepository(db),
    events: new EventsRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
