import { asc, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { gateDecisions, type GateDecisionRecord, type GateDecisionRow, type NewGateDecisionRow } from '../schema/index.js';

/** The decisions that counted on approval gates, written by the run's workflow only (refused attempts are audit events). */
export class GatesRepository {
  constructor(private readonly db: Db) {}

  /** Records a decision once: keyed by (run, the workflow's decision sequence). */
  async record({ runId, gate, sequence, actor, decision, comment, accepted, refusedReason, via, decidedAt }: GateDecisionRecord): Promise<void> {
    const row: NewGateDecisionRow = { runId, gate, sequence, actor, decision, comment: comment ?? null, accepted, refusedReason: refusedReason ?? null, via, decidedAt: new Date(decidedAt) };
    await this.db.insert(gateDecisions).values(row).onConflictDoNothing({ target: [gateDecisions.runId, gateDecisions.sequence] });
  }

  /** The runs' decisions, oldest first, as their workflows recorded them. */
  async ofRuns(runIds: readonly string[]): Promise<GateDecisionRecord[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db.select().from(gateDecisions).where(inArray(gateDecisions.runId, [...runIds])).orderBy(asc(gateDecisions.decidedAt));
    return rows.map(recordOf);
  }
}

function recordOf({ runId, gate, sequence, actor, decision, comment, accepted, refusedReason, via, decidedAt }: GateDecisionRow): GateDecisionRecord {
  return { runId, gate, sequence, actor, decision, comment, accepted, refusedReason, via, decidedAt: decidedAt.toISOString() };
}
