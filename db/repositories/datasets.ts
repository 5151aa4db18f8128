import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { AuditRepository } from './audit.js';
import { datasets, datasetVersions, type DatasetRow, type DatasetVersionRow, type NewDatasetVersionRow } from '../schema/index.js';
import { budgetChangeRefusal, PrivacyBudgetRefused, type PrivacyBudget } from '../../domain/data/privacy-budget.js';

export type NewVersion = Omit<NewDatasetVersionRow, 'id' | 'datasetId' | 'version' | 'createdAt' | 'updatedAt'>;

/** Dataset versions: content-addressed (one row per distinct sha256), numbered per dataset name. */
export class DatasetsRepository {
  constructor(private readonly db: Db) {}

  /** Whether any dataset version holds this content. */
  async holds(sha256: string): Promise<boolean> {
    const [row] = await this.db.select({ id: datasetVersions.id }).from(datasetVersions).where(eq(datasetVersions.sha256, sha256)).limit(1);
    return row !== undefined;
  }

  /**
   * Registers content as the next version of `name`, or returns the existing version with the same
   * sha256, and sets the dataset's privacy budget when one is given. Throws PrivacyBudgetRefused, having
   * written nothing, when the dataset already has a different budget.
   */
  async register(name: string, version: NewVersion, budget?: PrivacyBudget): Promise<{ row: DatasetVersionRow; created: boolean }> {
    // The audit event is written in the same transaction as the version, so it exists exactly when the version does.
    return await this.db.transaction(async (tx) => {
      await tx.insert(datasets).values({ name }).onConflictDoNothing({ target: datasets.name });
      // Serialise registrations of one dataset so version numbers never collide.
      await tx.execute(sql`select id from ${datasets} where name = ${name} for update`);
      const [dataset] = await tx.select().from(datasets).where(eq(datasets.name, name));
      if (budget) await setBudget(tx as unknown as Db, dataset!, budget, version.registeredBy);
      const [existing] = await tx
        .select()
        .from(datasetVersions)
        .where(and(eq(datasetVersions.datasetId, dataset!.id), eq(datasetVersions.sha256, version.sha256)));
      if (existing) return { row: existing, created: false };
      const [last] = await tx
        .select({ version: datasetVersions.version })
        .from(datasetVersions)
        .where(eq(datasetVersions.datasetId, dataset!.id))
        .orderBy(desc(datasetVersions.version))
        .limit(1);
      const [row] = await tx
        .insert(datasetVersions)
        .values({ ...version, datasetId: dataset!.id, version: (last?.version ?? 0) + 1 })
        .returning();
      await new AuditRepository(tx as unknown as Db).append({
        actor: version.registeredBy,
        action: 'dataset.registered',
        subjectType: 'dataset_version',
        subjectId: row!.id,
        payload: { dataset: name, version: row!.version, sha256: version.sha256, rowCount: version.rowCount },
        idempotencyKey: `dataset:${row!.id}`,
      });
      return { row: row!, created: true };
    });
  }

  async findVersion(name: string, version: number | 'latest'): Promise<(DatasetVersionRow & { datasetName: string }) | null> {
    const query = this.db
      .select({ version: datasetVersions, name: datasets.name })
      .from(datasetVersions)
      .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .where(and(eq(datasets.name, name), version === 'latest' ? undefined : eq(datasetVersions.version, version)))
      .orderBy(desc(datasetVersions.version))
      .limit(1);
    const [found] = await query;
    return found ? { ...found.version, datasetName: found.name } : null;
  }

  async findVersionsByIds(ids: readonly string[]): Promise<(DatasetVersionRow & { datasetName: string })[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .select({ version: datasetVersions, name: datasets.name })
      .from(datasetVersions)
      .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .where(inArray(datasetVersions.id, [...ids]));
    return rows.map((r) => ({ ...r.version, datasetName: r.name }));
  }

  async list(): Promise<DatasetRow[]> {
    return await this.db.select().from(datasets).orderBy(datasets.name);
  }

  async versionsOf(datasetIds: readonly string[]): Promise<DatasetVersionRow[]> {
    if (datasetIds.length === 0) return [];
    return await this.db
      .select()
      .from(datasetVersions)
      .where(inArray(datasetVersions.datasetId, [...datasetIds]))
      .orderBy(datasetVersions.datasetId, desc(datasetVersions.version));
  }
}

/** Sets a dataset's privacy budget once, audited; the same budget again changes nothing, another is refused. */
async function setBudget(db: Db, dataset: DatasetRow, budget: PrivacyBudget, actor: string): Promise<void> {
  const current = dataset.privacyEpsilon === null ? null : { epsilon: dataset.privacyEpsilon, allowNonPrivate: dataset.allowNonPrivate };
  const refused = budgetChangeRefusal(dataset.name, current, budget);
  if (refused) throw new PrivacyBudgetRefused(refused);
  if (current) return;
  await db.update(datasets).set({ privacyEpsilon: budget.epsilon, allowNonPrivate: budget.allowNonPrivate }).where(eq(datasets.id, dataset.id));
  await new AuditRepository(db).append({
    actor,
    action: 'dataset.privacy_budget_set',
    subjectType: 'dataset',
    subjectId: dataset.id,
    payload: { dataset: dataset.name, epsilon: budget.epsilon, allowNonPrivate: budget.allowNonPrivate },
    idempotencyKey: `privacy-budget:${dataset.id}`,
  });
}
