import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { apiTokens, authRefusals, principals, type ApiTokenRow, type AuthRefusalRow, type PrincipalRow, type Role } from '../schema/index.js';

/** How stale a token's lastUsedAt may be: it is written at most this often. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** People and systems, their roles, and their (hashed) API tokens. */
export class AccessRepository {
  constructor(private readonly db: Db) {}

  /** Counts a refused request by no known principal in its minute's row (one upsert: no chain append, no lock). */
  async countRefusal(input: { source: string; operation: string; reason: string; at: Date }): Promise<void> {
    const windowStart = new Date(Math.floor(input.at.getTime() / 60_000) * 60_000);
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
