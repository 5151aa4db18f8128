import { asc, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { gateDecisions, type GateDecisionRow, type NewGateDecisionRow } from '../schema/index.js';

/** The decisions that counted on approval gates, written by the run's workflow only (refused attempts are audit events). */
export class GatesRepository {
  constructor(private readonly db: Db) {}

  /** Records a decision once: keyed by (run, the workflow's decision sequence number). */
  async record(decision: Omit<NewGateDecisionRow, 'id' | 'createdAt' | 'updatedAt'>): Promise<void> {
    await this.db.insert(gateDecisions).values(decision).onConflictDoNothing({ target: [gateDecisions.runId, gateDecisions.sequence] });
  }

  async ofRuns(runIds: readonly string[]): Promise<GateDecisionRow[]> {
    if (runIds.length === 0) return [];
    return await this.db.select().from(gateDecisions).where(inArray(gateDecisions.runId, [...runIds])).orderBy(asc(gateDecisions.decidedAt));
  }
}
