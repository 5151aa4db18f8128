import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { AuditRepository } from './audit.js';
import { datasets, privacyDraws, type DatasetRow, type PrivacyDrawRow } from '../schema/index.js';
import { budgetRefusal, type PrivacyBudgetStatus, type PrivacyRequest } from '../../domain/data/privacy-budget.js';

export type DrawOutcome = { drawn: PrivacyDrawRow | null } | { refused: string; status: PrivacyBudgetStatus };

/** The privacy ledger of datasets with a budget: what each run drew, and what remains. */
export class PrivacyRepository {
  constructor(private readonly db: Db) {}

  /** The dataset's budget and what is spent of it, or null when it has none (or does not exist); by name, or from its row. */
  async status(dataset: string | DatasetRow): Promise<PrivacyBudgetStatus | null> {
    const [row] = typeof dataset === 'string' ? await this.db.select().from(datasets).where(eq(datasets.name, dataset)) : [dataset];
    return row ? await statusOf(this.db, row) : null;
  }

  /** Every draw on the dataset, oldest first. */
  async draws(datasetId: string): Promise<PrivacyDrawRow[]> {
    return await this.db.select().from(privacyDraws).where(eq(privacyDraws.datasetId, datasetId)).orderBy(asc(privacyDraws.drawnAt), asc(privacyDraws.id));
  }

  /**
   * Draws a run's ε from its dataset's budget, serialised on the dataset row so two runs never spend the
   * same remainder, and audited in the same transaction. Drawing again for the same run returns the first
   * draw; a dataset without a budget draws nothing. A refusal writes nothing.
   */
  async draw(input: { datasetId: string; runId: string; privacy: PrivacyRequest | undefined; actor: string }): Promise<DrawOutcome> {
    return await this.db.transaction(async (tx) => {
      await tx.execute(sql`select id from ${datasets} where id = ${input.datasetId} for update`);
      const [dataset] = await tx.select().from(datasets).where(eq(datasets.id, input.datasetId));
      const status = await statusOf(tx as unknown as Db, dataset!);
      if (!status) return { drawn: null };
      const [earlier] = await tx.select().from(privacyDraws).where(and(eq(privacyDraws.datasetId, input.datasetId), eq(privacyDraws.runId, input.runId)));
      if (earlier) return { drawn: earlier };
      const refused = budgetRefusal(dataset!.name, status, input.privacy);
      if (refused) return { refused, status };
      if (!input.privacy) return { drawn: null };
      const [row] = await tx
        .insert(privacyDraws)
        .values({ datasetId: input.datasetId, runId: input.runId, epsilon: input.privacy.epsilon!, delta: input.privacy.delta, drawnBy: input.actor })
        .returning();
      await new AuditRepository(tx as unknown as Db).append({
        actor: input.actor,
        action: 'privacy.drawn',
        subjectType: 'dataset',
        subjectId: input.datasetId,
        payload: { dataset: dataset!.name, runId: input.runId, epsilon: row!.epsilon, delta: row!.delta, spentBefore: status.spent, budget: status.epsilon },
        idempotencyKey: `privacy-draw:${row!.id}`,
      });
      return { drawn: row! };
    });
  }
}

/** A dataset row's budget with the sum of its draws, read in the caller's transaction. */
async function statusOf(db: Db, dataset: DatasetRow): Promise<PrivacyBudgetStatus | null> {
  if (dataset.privacyEpsilon === null) return null;
  const [sum] = await db.select({ spent: sql<string | null>`sum(${privacyDraws.epsilon})` }).from(privacyDraws).where(eq(privacyDraws.datasetId, dataset.id));
  return { epsilon: dataset.privacyEpsilon, allowNonPrivate: dataset.allowNonPrivate, spent: Number(sum?.spent ?? 0) };
}
