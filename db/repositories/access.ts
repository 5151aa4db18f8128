import { and, asc, desc, eq, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  apiTokens,
  authRefusals,
  principalRefusals,
  principals,
  tokenExpiryGrants,
  type ApiTokenRow,
  type AuthRefusalRow,
  type PrincipalRefusalRow,
  type PrincipalRow,
  type Role,
  type TokenExpiryGrantRow,
} from '../schema/index.js';

/** How stale a token's lastUsedAt may be: it is written at most this often. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Operations a principal's minute of refusals names one by one; past these, the rest count under "(other)". */
const NAMED_OPERATIONS = 20;

const minuteOf = (at: Date): Date => new Date(Math.floor(at.getTime() / 60_000) * 60_000);

/** People and systems, their roles, and their (hashed) API tokens. */
export class AccessRepository {
  constructor(private readonly db: Db) {}

  /** Counts a refused request by no known principal in its minute's row (one upsert: no chain append, no lock). */
  async countRefusal(input: { source: string; operation: string; reason: string; at: Date }): Promise<void> {
    const windowStart = minuteOf(input.at);
    await this.db
      .insert(authRefusals)
      .values({ source: input.source.slice(0, 100), operation: input.operation.slice(0, 200), reason: input.reason, windowStart, count: 1, lastAt: input.at })
      .onConflictDoUpdate({
        target: [authRefusals.source, authRefusals.operation, authRefusals.reason, authRefusals.windowStart],
        set: { count: sql`${authRefusals.count} + 1`, lastAt: input.at },
      });
  }

  /** The counted refusals, newest minute first. */
  async refusalCounts(limit = 100): Promise<AuthRefusalRow[]> {
    return await this.db.select().from(authRefusals).orderBy(desc(authRefusals.windowStart)).limit(limit);
  }

  /**
   * Counts a known principal's refusal in its minute's row (one upsert, atomic across processes) and returns the
   * row as it stands after it: `count` says which refusal of the minute this was, `closedAt` whether the minute
   * was closed already (by a process whose clock runs ahead of this one's).
   */
  async countPrincipalRefusal(input: { actor: string; operation: string; at: Date }): Promise<Pick<PrincipalRefusalRow, 'id' | 'count' | 'windowStart' | 'closedAt'>> {
    const operation = input.operation.slice(0, 200);
    const ops = principalRefusals.operations;
    const [row] = await this.db
      .insert(principalRefusals)
      .values({ actor: input.actor, windowStart: minuteOf(input.at), count: 1, operations: { [operation]: 1 }, lastAt: input.at })
      .onConflictDoUpdate({
        target: [principalRefusals.actor, principalRefusals.windowStart],
        set: {
          count: sql`${principalRefusals.count} + 1`,
          operations: sql`case when ${ops} -> ${operation}::text is not null or (select count(*) from jsonb_object_keys(${ops})) < ${sql.raw(String(NAMED_OPERATIONS))}
            then jsonb_set(${ops}, array[${operation}::text], to_jsonb(coalesce((${ops} ->> ${operation}::text)::int, 0) + 1))
            else jsonb_set(${ops}, '{(other)}', to_jsonb(coalesce((${ops} ->> '(other)')::int, 0) + 1)) end`,
          lastAt: input.at,
          updatedAt: input.at,
        },
      })
      .returning({ id: principalRefusals.id, count: principalRefusals.count, windowStart: principalRefusals.windowStart, closedAt: principalRefusals.closedAt });
    return row!;
  }

  /** Minutes of principals' refusals not closed yet that ended by `endedBy`, oldest first. */
  async openPrincipalRefusals(endedBy: Date, limit: number): Promise<PrincipalRefusalRow[]> {
    return await this.db
      .select()
      .from(principalRefusals)
      .where(and(isNull(principalRefusals.closedAt), lte(principalRefusals.windowStart, new Date(endedBy.getTime() - 60_000))))
      .orderBy(asc(principalRefusals.windowStart))
      .limit(limit);
  }

  /** Closes a minute of refusals, unless its count moved since it was read (then it is read and closed again). */
  async closePrincipalRefusal(id: string, count: number, at: Date): Promise<boolean> {
    const closed = await this.db
      .update(principalRefusals)
      .set({ closedAt: at, updatedAt: at })
      .where(and(eq(principalRefusals.id, id), eq(principalRefusals.count, count), isNull(principalRefusals.closedAt)))
      .returning({ id: principalRefusals.id });
    return closed.length > 0;
  }

  /** A principal's counted refusals, newest minute first. */
  async principalRefusalCounts(actor: string, limit = 100): Promise<PrincipalRefusalRow[]> {
    return await this.db.select().from(principalRefusals).where(eq(principalRefusals.actor, actor)).orderBy(desc(principalRefusals.windowStart)).limit(limit);
  }

  /** Expiries the migration gave to tokens from before expiry that are not in the audit history yet, with each token's prefix. */
  async unauditedExpiryGrants(): Promise<(TokenExpiryGrantRow & { prefix: string; principalName: string })[]> {
    return await this.db
      .select({ tokenId: tokenExpiryGrants.tokenId, expiresAt: tokenExpiryGrants.expiresAt, grantedAt: tokenExpiryGrants.grantedAt, auditedAt: tokenExpiryGrants.auditedAt, prefix: apiTokens.prefix, principalName: principals.name })
      .from(tokenExpiryGrants)
      .innerJoin(apiTokens, eq(apiTokens.id, tokenExpiryGrants.tokenId))
      .innerJoin(principals, eq(principals.id, apiTokens.principalId))
      .where(isNull(tokenExpiryGrants.auditedAt))
      .orderBy(asc(tokenExpiryGrants.grantedAt), asc(tokenExpiryGrants.tokenId));
  }

  async markExpiryGrantsAudited(tokenIds: string[], at: Date): Promise<void> {
    if (tokenIds.length === 0) return;
    await this.db.update(tokenExpiryGrants).set({ auditedAt: at }).where(and(inArray(tokenExpiryGrants.tokenId, tokenIds), isNull(tokenExpiryGrants.auditedAt)));
  }

  async findPrincipal(name: string): Promise<PrincipalRow | null> {
    const [row] = await this.db.select().from(principals).where(eq(principals.name, name));
    return row ?? null;
  }

  /** Creates the principal, or sets the role of an existing one. */
  async upsertPrincipal(name: string, role: Role, createdBy: string): Promise<PrincipalRow> {
    const [row] = await this.db
      .insert(principals)
      .values({ name, role, createdBy })
      .onConflictDoUpdate({ target: principals.name, set: { role } })
      .returning();
    return row!;
  }

  async countAdmins(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(principals).where(eq(principals.role, 'admin'));
    return row!.n;
  }

  async insertToken(token: { principalId: string; tokenHash: string; prefix: string; description: string | null; createdBy: string; expiresAt: Date | null }): Promise<ApiTokenRow> {
    const [row] = await this.db.insert(apiTokens).values(token).returning();
    return row!;
  }

  /**
   * The principal holding a live (unrevoked) token with this hash. Marks the token used at most once a
   * minute, so a busy client (serving, say) costs a read per request, not a write.
   */
  async principalForToken(tokenHash: string): Promise<{ principal: PrincipalRow; tokenId: string; expiresAt: Date | null } | null> {
    const [row] = await this.db
      .select({ principal: principals, tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt })
      .from(apiTokens)
      .innerJoin(principals, eq(principals.id, apiTokens.principalId))
      .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
    if (!row) return null;
    const now = new Date();
    if (row.expiresAt && row.expiresAt <= now) return { principal: row.principal, tokenId: row.tokenId, expiresAt: row.expiresAt };
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId));
    }
    return { principal: row.principal, tokenId: row.tokenId, expiresAt: row.expiresAt };
  }

  async revokeToken(id: string, revokedBy: string): Promise<ApiTokenRow | null> {
    const [row] = await this.db
      .update(apiTokens)
      .set({ revokedAt: new Date(), revokedBy })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning();
    return row ?? null;
  }

  /**
   * Rotates a live token once, in one transaction: inserts its successor (for the same principal) and
   * makes the old token stop at `endsAt`. Null when the token was revoked or rotated meanwhile.
   */
  async rotateToken(oldId: string, successor: { tokenHash: string; prefix: string; description: string | null; createdBy: string; expiresAt: Date | null }, endsAt: Date): Promise<ApiTokenRow | null> {
    return await this.db.transaction(async (tx) => {
      const [old] = await tx
        .select()
        .from(apiTokens)
        .where(and(eq(apiTokens.id, oldId), isNull(apiTokens.revokedAt), isNull(apiTokens.replacedBy)))
        .for('update');
      if (!old) return null;
      const [created] = await tx.insert(apiTokens).values({ ...successor, principalId: old.principalId }).returning();
      await tx.update(apiTokens).set({ replacedBy: created!.id, expiresAt: endsAt }).where(eq(apiTokens.id, oldId));
      return created!;
    });
  }

  async findToken(id: string): Promise<ApiTokenRow | null> {
    const [row] = await this.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    return row ?? null;
  }

  async listTokens(): Promise<(ApiTokenRow & { principalName: string; role: Role })[]> {
    return await this.tokensWhere();
  }

  /** One token, with its principal's name and role. */
  async tokenWithPrincipal(id: string): Promise<(ApiTokenRow & { principalName: string; role: Role }) | null> {
    return (await this.tokensWhere(eq(apiTokens.id, id)))[0] ?? null;
  }

  private async tokensWhere(where?: SQL): Promise<(ApiTokenRow & { principalName: string; role: Role })[]> {
    const rows = await this.db
      .select({ token: apiTokens, principalName: principals.name, role: principals.role })
      .from(apiTokens)
      .innerJoin(principals, eq(principals.id, apiTokens.principalId))
      .where(where)
      .orderBy(desc(apiTokens.createdAt));
    return rows.map((r) => ({ ...r.token, principalName: r.principalName, role: r.role }));
  }
}
