import { createHash, randomUUID } from 'node:crypto';
import { and, asc, eq, gt, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { canonicalJson as canonical } from '../../domain/canonical-json.js';
import { rowsOf, type Db } from '../client.js';
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

/** The row an event becomes at position `seq` after the event hashed `prevHash`. */
function eventDraft(input: AuditEventInput, seq: number, prevHash: string) {
  // Millisecond precision (what a JS Date holds), so the hash recomputes exactly from the stored row.
  const at = new Date(Math.floor((input.at ?? new Date()).getTime()));
  const draft = { seq, at, actor: input.actor, action: input.action, subjectType: input.subjectType, subjectId: input.subjectId, payload: input.payload ?? {}, prevHash };
  return { ...draft, idempotencyKey: input.idempotencyKey, hash: eventHash(draft) };
}

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

/** The most events one group commit writes. */
const MAX_BATCH = 256;

interface PendingAppend {
  input: AuditEventInput;
  resolve: (row: AuditEventRow) => void;
  reject: (error: unknown) => void;
}

/**
 * The append-only, hash-chained audit history. Appends are serialised on the chain's head row; on the
 * process's own handle (`groupCommit`), the appends that arrive while one commit holds that lock are written
 * together by the next, so a busy worker takes the lock once for many events rather than once for each.
 */
export class AuditRepository {
  private readonly waiting: PendingAppend[] = [];
  /** The head as this handle last moved it (group commit only): the next append starts from it. */
  private knownHead: { seq: number; hash: string } | null = null;
  private committing = false;

  constructor(
    private readonly db: Db,
    private readonly options: { groupCommit?: boolean } = {},
  ) {}

  /** Appends an event to the chain, or returns the one already written under the same key. */
  async append(input: AuditEventInput): Promise<AuditEventRow> {
    if (!this.options.groupCommit) return (await this.appendAll([input]))[0]!;
    return await new Promise<AuditEventRow>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      void this.commitWaiting();
    });
  }

  /** Appends events in the order given, in one commit where the handle groups them. */
  async appendMany(inputs: AuditEventInput[]): Promise<AuditEventRow[]> {
    if (inputs.length === 0) return [];
    if (!this.options.groupCommit) return await this.appendAll(inputs);
    const rows = inputs.map((input) => new Promise<AuditEventRow>((resolve, reject) => this.waiting.push({ input, resolve, reject })));
    void this.commitWaiting();
    return await Promise.all(rows);
  }

  /** Writes the waiting appends, a batch a transaction, until none wait; one commit runs at a time. */
  private async commitWaiting(): Promise<void> {
    if (this.committing) return;
    this.committing = true;
    try {
      while (this.waiting.length > 0) await this.commitBatch(this.waiting.splice(0, MAX_BATCH));
    } finally {
      this.committing = false;
    }
  }

  /**
   * One batch in one transaction; when it fails, each event is tried alone, all at once, so one bad event
   * fails only its own caller, and a database that is away fails them all in the time of one attempt.
   */
  private async commitBatch(batch: PendingAppend[]): Promise<void> {
    try {
      const rows = await this.appendAll(batch.map((pending) => pending.input));
      batch.forEach((pending, i) => pending.resolve(rows[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      await Promise.all(batch.map((pending) => this.appendAll([pending.input]).then((rows) => pending.resolve(rows[0]!), pending.reject)));
    }
  }

  /** Appends events in order: in one statement from the head this handle knows, else under a lock of the head. */
  private async appendAll(inputs: AuditEventInput[]): Promise<AuditEventRow[]> {
    const fast = this.knownHead && new Set(inputs.map((input) => input.idempotencyKey)).size === inputs.length ? await this.appendAfter(this.knownHead, inputs).catch(() => null) : null;
    return fast ?? (await this.appendLocked(inputs));
  }

  /**
   * One round trip: the head moves from `head` and the events go in, in one statement, or nothing happens
   * (null) when another writer moved the head first, or an event's key is written already (the unique key
   * refuses the whole statement). The locked path then sorts it out.
   */
  private async appendAfter(head: { seq: number; hash: string }, inputs: AuditEventInput[]): Promise<AuditEventRow[] | null> {
    let prevHash = head.hash;
    const rows = inputs.map((input, i) => {
      const row = { id: randomUUID(), ...eventDraft(input, head.seq + i + 1, prevHash) };
      prevHash = row.hash;
      return row;
    });
    const last = rows.at(-1)!;
    const records = rows.map((r) => ({ id: r.id, seq: r.seq, at: r.at.toISOString(), actor: r.actor, action: r.action, subject_type: r.subjectType, subject_id: r.subjectId, payload: r.payload, idempotency_key: r.idempotencyKey, prev_hash: r.prevHash, hash: r.hash }));
    const inserted = rowsOf<{ id: string }>(
      await this.db.execute(sql`
        with moved as (
          update audit_head set seq = ${last.seq}, hash = ${last.hash} where id = 1 and seq = ${head.seq} and hash = ${head.hash} returning id
        )
        insert into audit_events (id, seq, at, actor, action, subject_type, subject_id, payload, idempotency_key, prev_hash, hash)
        select e.id, e.seq, e.at, e.actor, e.action, e.subject_type, e.subject_id, e.payload, e.idempotency_key, e.prev_hash, e.hash
        from moved, jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as e(id uuid, seq bigint, at timestamptz, actor text, action text, subject_type text, subject_id text, payload jsonb, idempotency_key text, prev_hash text, hash text)
        returning id`),
    );
    if (inserted.length !== rows.length) return null;
    this.knownHead = { seq: last.seq, hash: last.hash };
    return rows;
  }

  /** Appends events in order under one lock of the head; an event whose key is written already (or earlier in the list) is returned as it is. */
  private async appendLocked(inputs: AuditEventInput[]): Promise<AuditEventRow[]> {
    const rows = await this.db.transaction(async (tx) => {
      const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
      const keys = [...new Set(inputs.map((input) => input.idempotencyKey))];
      const byKey = new Map((await tx.select().from(auditEvents).where(inArray(auditEvents.idempotencyKey, keys))).map((row) => [row.idempotencyKey, row]));
      let { seq, hash: prevHash } = head!;
      const drafts = new Map<string, ReturnType<typeof eventDraft>>();
      for (const input of inputs) {
        if (byKey.has(input.idempotencyKey) || drafts.has(input.idempotencyKey)) continue;
        const draft = eventDraft(input, ++seq, prevHash);
        prevHash = draft.hash;
        drafts.set(input.idempotencyKey, draft);
      }
      if (drafts.size > 0) {
        for (const row of await tx.insert(auditEvents).values([...drafts.values()]).returning()) byKey.set(row.idempotencyKey, row);
        await tx.update(auditHead).set({ seq, hash: prevHash }).where(eq(auditHead.id, 1));
      }
      return { rows: inputs.map((input) => byKey.get(input.idempotencyKey)!), head: { seq, hash: prevHash } };
    });
    if (this.options.groupCommit) this.knownHead = rows.head;
    return rows.rows;
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

  /** The events with one of `actions` about any of `subjectIds`, in chain order (a run's refused gate decisions, say). */
  async ofSubjects(subjectIds: readonly string[], actions: readonly string[]): Promise<AuditEventRow[]> {
    if (subjectIds.length === 0 || actions.length === 0) return [];
    return await this.db
      .select()
      .from(auditEvents)
      .where(and(inArray(auditEvents.subjectId, [...subjectIds]), inArray(auditEvents.action, [...actions])))
      .orderBy(asc(auditEvents.seq));
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
