import { randomUUID } from 'node:crypto';
import { asc, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { predictions, type NewPredictionRow } from '../../db/schema/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe.each(['default', 'pglite'] as const)('the prediction log on the %s driver', (kind) => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.close();
  });

  it('writes rows given as JSON text exactly, and a batch written twice once', async () => {
    database = await createTestDatabase(kind);
    // The rows stand alone here: no model or version rows behind them.
    await database.db.execute(sql.raw(`do $$ declare r record; begin
      for r in select conname from pg_constraint where conrelid = 'predictions'::regclass and contype = 'f' loop
        execute format('alter table predictions drop constraint %I', r.conname);
      end loop; end $$`));
    const model = randomUUID();
    const version = randomUUID();
    const row = (i: number, extra: Partial<NewPredictionRow> = {}): NewPredictionRow => ({
      id: randomUUID(),
      modelId: model,
      modelVersionId: version,
      role: i === 2 ? 'canary' : 'primary',
      requestKey: i === 1 ? 'customer-7' : null,
      inputs: { sepal_length: 5.9 + i, species_hint: 'ünïcödé "quoted"\n', missing: null },
      output: { value: i === 0 ? 'virginica' : i, probabilities: { setosa: 0.0044149143012061865, virginica: 0.9955850856987938 } },
      latencyMs: 0.25 * (i + 1),
      createdAt: new Date(Date.UTC(2026, 10, 28, 2, 30, 0, 123 + i)),
      ...extra,
    });
    const rows = [row(0), row(1)];
    // A shadow's prediction names the one answered to the same request.
    rows.push(row(2, { role: 'shadow', shadowOf: rows[0]!.id }));
    const { predictions: log } = createRepositories(database.db);
    await log.insertJson(`[${rows.map((r) => JSON.stringify(r)).join(',')}]`);
    await log.insertJson(`[${[rows[1]!, row(3)].map((r) => JSON.stringify(r)).join(',')}]`);

    const stored = await database.db.select().from(predictions).orderBy(asc(predictions.createdAt));
    expect(stored).toHaveLength(4);
    expect(stored.slice(0, 3)).toEqual(rows.map((r) => ({ ...r, label: null, labeledAt: null, shadowOf: r.shadowOf ?? null })));
    // Monitoring reads what was served: the shadow's prediction is not among it.
    const served = await log.window(model, new Date(0), new Date('2027-01-01T00:00:00Z'), 10);
    expect(served).toHaveLength(3);
    expect(served.map((r) => r.output)).not.toContainEqual(rows[2]!.output);
  });
});
