import { and, desc, eq, gt, isNull, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { predictions, type PredictionRow } from '../schema/index.js';

const INSERT_JSON = sql.raw(`insert into predictions (id, model_id, model_version_id, role, request_key, inputs, output, latency_ms, created_at, label, labeled_at, shadow_of)
  select r."id", r."modelId", r."modelVersionId", r."role", r."requestKey", r."inputs", r."output", r."latencyMs", r."createdAt", r."label", r."labeledAt", r."shadowOf"`);
const RECORD = sql.raw(`r("id" uuid, "modelId" uuid, "modelVersionId" uuid, "role" text, "requestKey" text, "inputs" jsonb, "output" jsonb, "latencyMs" real, "createdAt" timestamptz, "label" jsonb, "labeledAt" timestamptz, "shadowOf" uuid)`);

/** PostgreSQL's unique_violation (23505), as postgres.js and PGlite report it, under Drizzle's wrapper or not. */
function isUniqueViolation(error: unknown): boolean {
  const codeOf = (e: unknown) => (e && typeof e === 'object' && 'code' in e ? (e as { code: unknown }).code : undefined);
  return codeOf(error) === '23505' || codeOf((error as { cause?: unknown } | null)?.cause) === '23505';
}

/** The prediction log and its feedback. */
export class PredictionsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts predictions given as a JSON array of rows, each as `JSON.stringify` writes a `NewPredictionRow`:
   * one parameter however many rows, so a batch costs one statement and no mapping value by value. A
   * prediction already written (by id) is skipped, so writing a batch twice is harmless: a batch is first
   * inserted plainly (a fresh batch, the usual case, has no id written before, and skips the cost of a
   * speculative insert per row), and only if that fails, again skipping the ids already there.
   */
  async insertJson(rowsJson: string): Promise<void> {
    try {
      await this.db.execute(sql`${INSERT_JSON} from jsonb_to_recordset(${rowsJson}::jsonb) as ${RECORD}`);
    } catch (error) {
      // Only a prediction written before is worth a second try; any other refusal is the caller's to see.
      if (!isUniqueViolation(error)) throw error;
      await this.db.execute(sql`${INSERT_JSON} from jsonb_to_recordset(${rowsJson}::jsonb) as ${RECORD} on conflict (id) do nothing`);
    }
  }

  /** The newest predictions of a model served in (from, to], at most `limit`: what a monitoring check reads. A shadow's are not served, so not read. */
  async window(modelId: string, from: Date, to: Date, limit: number): Promise<Pick<PredictionRow, 'modelVersionId' | 'inputs' | 'output' | 'label'>[]> {
    return await this.db
      .select({ modelVersionId: predictions.modelVersionId, inputs: predictions.inputs, output: predictions.output, label: predictions.label })
      .from(predictions)
      .where(and(eq(predictions.modelId, modelId), gt(predictions.createdAt, from), lte(predictions.createdAt, to), ne(predictions.role, 'shadow')))
      .orderBy(desc(predictions.createdAt))
      .limit(limit);
  }

  async get(id: string): Promise<PredictionRow | null> {
    const [row] = await this.db.select().from(predictions).where(eq(predictions.id, id));
    return row ?? null;
  }

  /** Attaches the ground truth once; a second label for the same prediction is refused (returns null). */
  async label(id: string, label: string | number): Promise<PredictionRow | null> {
    const [row] = await this.db
      .update(predictions)
      .set({ label, labeledAt: new Date() })
      .where(and(eq(predictions.id, id), isNull(predictions.labeledAt)))
      .returning();
    return row ?? null;
  }
}
