import { and, desc, eq, gt, isNull, lte } from 'drizzle-orm';
import type { Db } from '../client.js';
import { predictions, type NewPredictionRow, type PredictionRow } from '../schema/index.js';

/** The prediction log and its feedback. */
export class PredictionsRepository {
  constructor(private readonly db: Db) {}

  /** Writes a batch; ids are chosen by the server, so a repeated batch changes nothing. */
  async insertMany(rows: NewPredictionRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insert(predictions).values(rows).onConflictDoNothing({ target: predictions.id });
  }

  /** The newest predictions of a model served in (from, to], at most `limit`: what a monitoring check reads. */
  async window(modelId: string, from: Date, to: Date, limit: number): Promise<Pick<PredictionRow, 'modelVersionId' | 'inputs' | 'output' | 'label'>[]> {
    return await this.db
      .select({ modelVersionId: predictions.modelVersionId, inputs: predictions.inputs, output: predictions.output, label: predictions.label })
      .from(predictions)
      .where(and(eq(predictions.modelId, modelId), gt(predictions.createdAt, from), lte(predictions.createdAt, to)))
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
