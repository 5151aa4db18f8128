import { createHash } from 'node:crypto';
import { and, asc, eq, gt, gte, lte, sql, type SQL } from 'drizzle-orm';
import { canonicalJson as canonical } from '../../domain/canonical-json.js';
import type { Db } from '../client.js';
import { auditEvents, auditHead, type AuditEventRow } from '../schema/index.js';

export interface AuditEventInput {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  payload?: Record<string, unknown>;
  /** Exactly-once key: appending the same key again returns the event already written. */
  idempotencyKey: string;
  at?: Date;
}

export interface AuditFilter {
  subjectId?: string;
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  headSeq: number;
  headHash: string;
  /** The first event that does not match the chain, and why. */
  firstBad?: { seq: number; id: string | null; reason: string };
}

const GENESIS = '0'.repeat(64);

/** The hash of an event: its content and the hash of the event before it. */
export function eventHash(event: Pick<AuditEventRow, 'seq' | 'at' | 'actor' | 'action' | 'subjectType' | 'subjectId' | 'payload' | 'prevHash'>): string {
  return createHash('sha256')
    .update(
      canonical({
        seq: event.seq,
        at: event.at.toISOString(),
        actor: event.actor,
        action: event.action,
        subjectType: event.subjectType,
        subjectId: event.subjectId,
        payload: event.payload,
        prevHash: event.prevHash,
      }),
    )
    .digest('hex');
}

/** The append-only, hash-chained audit history. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** Appends an event to the chain (serialised on the head row), or returns the one with the same key. */
  async append(input: AuditEventInput): Promise<AuditEventRow> {
    return await this.db.transaction(async (tx) => {
      const [existing] = await tx.select().from(auditEvents).where(eq(auditEvents.idempotencyKey, input.idempotencyKey));
      if (existing) return existing;
      const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
      const [again] = await tx.select().from(auditEvents).where(eq(auditEvents.idempotencyKey, input.idempotencyKey));
      if (again) return again;
      // Millisecond precision (what a JS Date holds), so the hash recomputes exactly from the stored row.
      const at = new Date(Math.floor((input.at ?? new Date()).getTime()));
      const draft = {
        seq: head!.seq + 1,
        at,
        actor: input.actor,
        action: input.action,
        subjectType: input.subjectType,
        subjectId: input.subjectId,
        payload: input.payload ?? {},
        prevHash: head!.hash,
      };
      const hash = eventHash(draft);
      const [row] = await tx.insert(auditEvents).values({ ...draft, idempotencyKey: input.idempotencyKey, hash }).returning();
      await tx.update(auditHead).set({ seq: draft.seq, hash }).where(eq(auditHead.id, 1));
      return row!;
    });
  }

  async head(): Promise<{ seq: number; hash: string }> {
    const [head] = await this.db.select().from(auditHead).where(eq(auditHead.id, 1));
    return head ?? { seq: 0, hash: GENESIS };
  }

  /** Events in chain order, filtered, after the sequence number `afterSeq` (keyset pagination). */
  async list(filter: AuditFilter, limit: number, afterSeq = 0): Promise<AuditEventRow[]> {
    const conditions: (SQL | undefined)[] = [
      gt(auditEvents.seq, afterSeq),
      filter.subjectId ? eq(auditEvents.subjectId, filter.subjectId) : undefined,
      filter.actor ? eq(auditEvents.actor, filter.actor) : undefined,
      filter.action ? eq(auditEvents.action, filter.action) : undefined,
      filter.from ? gte(auditEvents.at, filter.from) : undefined,
      filter.to ? lte(auditEvents.at, filter.to) : undefined,
    ];
    return await this.db.select().from(auditEvents).where(and(...conditions)).orderBy(asc(auditEvents.seq)).limit(limit);
  }

  /**
   * Walks the whole chain: every event's hash must recompute from its content and the previous hash,
   * sequence numbers must run without gaps, and the head must point at the last event. Names the first
   * event where this fails: altered, removed or reordered events are all caught.
   */
  async verify(batchSize = 5000): Promise<AuditVerification> {
    const head = await this.head();
    let previousHash = GENESIS;
    let expectedSeq = 1;
    let checked = 0;
    for (let after = 0; ; ) {
      // Only up to the head read above: events appended while we walk belong to the next verification.
      const batch = await this.db
        .select()
        .from(auditEvents)
        .where(and(gt(auditEvents.seq, after), lte(auditEvents.seq, head.seq)))
        .orderBy(asc(auditEvents.seq))
        .limit(batchSize);
      for (const event of batch) {
        const bad = (reason: string): AuditVerification => ({ ok: false, checked, headSeq: head.seq, headHash: head.hash, firstBad: { seq: event.seq, id: event.id, reason } });
        if (event.seq !== expectedSeq) return { ...bad(`event ${expectedSeq} is missing: the chain jumps from ${expectedSeq - 1} to ${event.seq}`), firstBad: { seq: expectedSeq, id: null, reason: `event ${expectedSeq} is missing: the chain jumps from ${expectedSeq - 1} to ${event.seq}` } };
        if (event.prevHash !== previousHash) return bad(`event ${event.seq} does not follow event ${event.seq - 1}: its previous hash does not match`);
        if (eventHash(event) !== event.hash) return bad(`event ${event.seq} was altered: its content no longer matches its hash`);
        previousHash = event.hash;
        expectedSeq++;
        checked++;
      }
      if (batch.length < batchSize) break;
      after = batch.at(-1)!.seq;
    }
    if (head.seq !== expectedSeq - 1 || head.hash !== previousHash) {
      return { ok: false, checked, headSeq: head.seq, headHash: head.hash, firstBad: { seq: expectedSeq, id: null, reason: `the chain ends at event ${expectedSeq - 1}, but its head says ${head.seq}: events were removed from the end` } };
    }
    return { ok: true, checked, headSeq: head.seq, headHash: head.hash };
  }

  /** Test and maintenance helper: the raw count of events. */
  async count(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
    return row!.n;
  }
}
