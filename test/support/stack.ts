import { createTemporalClient } from '../../api/bootstrap.js';
import type { Config } from '../../config.js';
import { startTestApi, type TestApi } from './api.js';
import { testConfig } from './config.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startTestWorker, type TestWorker } from './worker.js';

export interface TestStack {
  config: Config;
  database: TestDatabase;
  worker: TestWorker;
  api: TestApi;
  stop(): Promise<void>;
}

/** A fresh database, a real worker and the real API over HTTP, all on one private task queue. */
export async function startStack(options: { activityOverrides?: Record<string, (...args: never[]) => unknown>; env?: Record<string, string> } = {}): Promise<TestStack> {
  const database = await createTestDatabase();
  const base = testConfig(options.env);
  const worker = await startTestWorker({ config: base, database, activityOverrides: options.activityOverrides });
  const config: Config = { ...base, temporal: { ...base.temporal, taskQueue: worker.taskQueue } };
  const temporal = createTemporalClient(config);
  const api = await startTestApi({ config, database, temporal });
  return {
    config,
    database,
    worker,
    api,
    async stop() {
      await api.close();
      await temporal.connection.close();
      await worker.stop();
      await database.close();
    },
  };
}
