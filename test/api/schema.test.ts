import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporalClient } from '../../api/bootstrap.js';
import { printApiSchema } from '../../api/schema.js';
import { PROJECT_ROOT } from '../../paths.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('schema.gql', () => {
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    const config = testConfig();
    api = await startTestApi({ config, database, temporal: createTemporalClient(config) });
  });
  afterAll(async () => {
    await api?.close();
    await database?.close();
  });

  it('is committed and matches the code-first schema (run `npm run schema` after API changes)', () => {
    const committed = readFileSync(path.join(PROJECT_ROOT, 'schema.gql'), 'utf8');
    expect(printApiSchema(api.app)).toBe(committed);
  });
});
