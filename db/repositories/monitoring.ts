import { and, desc, eq, inArray, lt, or } from 'drizzle-orm';
import type { Db } from '../client.js';
import { driftReports, models, monitoringReferences, type DriftReportRow, type MonitoringReferenceRow, type NewDriftReportRow } from '../schema/index.js';

export interface ReportCursor {
  createdAt: Date;
  id: string;
}

/** Drift reports and the training references they are measured against. Writes are keyed, so retries are harmless. */
export class MonitoringRepository {
  constructor(private readonly db: Db) {}

  async findReference(modelVersionId: string): Promise<MonitoringReferenceRow | null> {
    const [row] = await this.db.select().from(monitoringReferences).where(eq(monitoringReferences.modelVersionId, modelVersionId));
    return row ?? null;
  }

  /** Records a version's reference once; a concurrent or repeated build keeps the first. */
  async saveReference(row: { modelVersionId: string; sha256: string; rows: number }): Promise<MonitoringReferenceRow> {
    await this.db.insert(monitoringReferences).values(row).onConflictDoNothing({ target: monitoringReferences.modelVersionId });
    return (await this.findReference(row.modelVersionId))!;
  }

  /** Stores a report under its key; a retried check finds the report it wrote before. */
  async insertReport(row: NewDriftReportRow): Promise<DriftReportRow> {
    await this.db.insert(driftReports).values(row).onConflictDoNothing({ target: driftReports.key });
    return (await this.reportByKey(row.key))!;
  }

  async reportByKey(key: string): Promise<DriftReportRow | null> {
    const [row] = await this.db.select().from(driftReports).where(eq(driftReports.key, key));
    return row ?? null;
  }

  async reportsByIds(ids: readonly string[]): Promise<DriftReportRow[]> {
    if (ids.length === 0) return [];
    return await this.db.select().from(driftReports).where(inArray(driftReports.id, [...ids]));
  }

  /** A model's reports, newest first, keyset-paginated on (created_at, id). */
  async reportsOfModel(modelName: string, limit: number, after?: ReportCursor): Promise<DriftReportRow[]> {
    const rows = await this.db
      .select({ report: driftReports })
      .from(driftReports)
      .innerJoin(models, eq(models.id, driftReports.modelId))
      .where(
        and(
          eq(models.name, modelName),
          after ? or(lt(driftReports.createdAt, after.createdAt), and(eq(driftReports.createdAt, after.createdAt), lt(driftReports.id, after.id))) : undefined,
        ),
      )
      .orderBy(desc(driftReports.createdAt), desc(driftReports.id))
      .limit(limit);
    return rows.map((r) => r.report);
  }

  /** Each model's newest drift report: its model name, status, and per-feature drift (for /metrics). */
  async latestPerModel(): Promise<{ model: string; status: string; features: { feature: string; drifted: boolean }[] }[]> {
    const rows = await this.db
      .selectDistinctOn([driftReports.modelId], { model: models.name, status: driftReports.status, features: driftReports.features })
      .from(driftReports)
      .innerJoin(models, eq(models.id, driftReports.modelId))
      .orderBy(driftReports.modelId, desc(driftReports.windowEnd));
    return rows.map((r) => ({ model: r.model, status: r.status, features: r.features.map((f) => ({ feature: f.name, drifted: f.drifted })) }));
  }
}
