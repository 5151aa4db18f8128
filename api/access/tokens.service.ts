import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Repositories } from '../../db/repositories/index.js';
import { ROLES, type ApiTokenRow, type Role } from '../../db/schema/access.js';
import { durationMs } from '../../domain/pipeline/spec.js';
import { durationOrNaN, isUuid } from '../common/validate.js';
import { DATABASE, REPOSITORIES } from '../core/tokens.js';
import type { Database } from '../../db/client.js';
import { CHANNELS } from '../../db/notifications.js';
import { AccessError } from './access.error.js';
import type { Caller } from './principal.js';
import { hashToken } from './bearer.js';
import { RefusalAudit } from './refusal-audit.js';
import { RefusalLimiter } from './refusal-limiter.js';

/** How long a token lives unless its creator says otherwise: people's tokens expire. */
export const DEFAULT_TOKEN_LIFETIME = '90d';
const MAX_TOKEN_LIFETIME_MS = durationMs('730d');

const MAX_OVERLAP_MS = durationMs('30d');
const AUTH_CACHE_MS = 10_000;
const AUTH_CACHE_SIZE = 10_000;
const DEFAULT_OVERLAP = '1h';

const invalid = (field: string, message: string) => new AccessError('INVALID_INPUT', `${field} ${message}`, [{ path: field, message }]);

/** A duration field in milliseconds, from `min` to `max`, or an error naming the field. */
function durationField(field: string, value: string, min: number, max: number, maxText: string): number {
  const ms = durationOrNaN(value);
  if (!(ms >= min) || ms > max) throw invalid(field, `must be a duration such as 30d, 12h or 90m, at most ${maxText}`);
  return ms;
}

/** A new token: 256 random bits, shown once; stored as its sha256, known by its first characters. */
function newSecret(): { token: string; hash: string; prefix: string } {
  const token = `cus_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), prefix: token.slice(0, 8) };
}

/**
 * When a rotation's successor expires: as long after now as the old token lived, unless `expiresIn` or
 * `neverExpires` says otherwise; only an admin may ask for longer than the old token's lifetime.
 */
function successorExpiry(input: { expiresIn?: string | null; neverExpires?: boolean | null }, old: { createdAt: Date; expiresAt: Date | null }, admin: boolean): Date | null {
  const lifetime = old.expiresAt ? old.expiresAt.getTime() - old.createdAt.getTime() : Infinity;
  if (input.neverExpires == null && !input.expiresIn) return lifetime === Infinity ? null : new Date(Date.now() + lifetime);
  const asked = expiryOf(input);
  const askedMs = asked ? asked.getTime() - Date.now() : Infinity;
  if (!admin && askedMs > lifetime + 1000) {
    const field = input.neverExpires ? 'input.neverExpires' : 'input.expiresIn';
    throw invalid(field, 'may not give the successor a longer life than the token it replaces; ask an admin');
  }
  return asked;
}

/** When a new token expires: `expiresIn` (a duration, up to two years), 90 days by default, or never when asked for explicitly. */
function expiryOf(input: { expiresIn?: string | null; neverExpires?: boolean | null }): Date | null {
  if (input.neverExpires && input.expiresIn) throw invalid('input.expiresIn', 'cannot be given with neverExpires');
  if (input.neverExpires) return null;
  return new Date(Date.now() + durationField('input.expiresIn', input.expiresIn ?? DEFAULT_TOKEN_LIFETIME, 1, MAX_TOKEN_LIFETIME_MS, '730d'));
}

/**
 * API tokens: random 256-bit secrets shown once, stored as their sha256. While no admin exists, a
 * one-time bootstrap code (random at every start, printed only on the server's console) lets the
 * operator create the first admin token; there is no default password.
 */
@Injectable()
export class TokensService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Access');
  private bootstrapCode: string | null = null;
  private readonly recent = new Map<string, { caller: Caller; expiresAt: Date | null; until: number }>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    private readonly limiter: RefusalLimiter,
    private readonly refusals: RefusalAudit,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  /**
   * At every start: listens for changes to tokens and principals (a revocation, rotation or role change in any
   * process), each of which forgets every remembered token; then the expiries a migration gave to tokens from
   * before expiry go into the audit history.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      this.unlisten = await this.database.listen(CHANNELS.access, () => this.forget(), () => this.forget());
    } catch (error) {
      this.logger.warn(`token changes are not announced to this process (${(error as Error).message}); a revocation elsewhere takes up to ${AUTH_CACHE_MS / 1000} s here`);
    }
    await this.auditGivenExpiries();
  }

  async onModuleDestroy(): Promise<void> {
    await this.unlisten?.().catch(() => undefined);
  }

  /**
   * Records each expiry that migration 0025 gave to a token issued before tokens expired as one `token.expiry_set`
   * event, keyed by the token (so once, however many processes start at once, or again), then marks it audited.
   * Returns how many grants it recorded (0 once they all are).
   */
  async auditGivenExpiries(): Promise<number> {
    const grants = await this.repos.access.unauditedExpiryGrants();
    if (grants.length === 0) return 0;
    await this.repos.audit.appendMany(
      grants.map((grant) => ({
        actor: 'system:migration',
        action: 'token.expiry_set',
        subjectType: 'token',
        subjectId: grant.tokenId,
        payload: { principal: grant.principalName, prefix: grant.prefix, expiresAt: grant.expiresAt.toISOString(), grantedAt: grant.grantedAt.toISOString(), reason: 'issued before tokens expired, it was given an expiry 90 days from the migration' },
        idempotencyKey: `token:${grant.tokenId}:expiry_set`,
      })),
    );
    await this.repos.access.markExpiryGrantsAudited(grants.map((grant) => grant.tokenId), new Date());
    this.logger.log(`${grants.length} tokens issued before tokens expired were given an expiry 90 days from the migration; recorded in the audit history`);
    return grants.length;
  }

  /** Returns a fresh bootstrap code when the database has no admin yet, else null. */
  async prepareBootstrap(): Promise<string | null> {
    if ((await this.repos.access.countAdmins()) > 0) return (this.bootstrapCode = null);
    this.bootstrapCode = randomBytes(12).toString('base64url');
    return this.bootstrapCode;
  }

  /**
   * The token's principal, or why it does not authenticate: unknown or revoked, or expired (and when).
   * A token that authenticated is remembered for 10 seconds, so a busy client (serving) costs no lookup
   * and no hashing per request: the token is then held in this process's memory for those seconds, as
   * its requests are. Revoking or rotating it, or changing its principal, forgets it at once in every process
   * that hears the change announced (migration 0029), and within those 10 seconds in any other.
   */
  async authenticate(token: string): Promise<Caller | { refused: string }> {
    const cached = this.remembered(token);
    if (cached) return cached;
    const hash = hashToken(token);
    const found = await this.repos.access.principalForToken(hash);
    if (!found) return { refused: 'the token is unknown or revoked' };
    if (found.expiresAt && found.expiresAt <= new Date()) return { refused: `the token expired at ${found.expiresAt.toISOString()}; ask an admin for a new one` };
    this.limiter.vouch(hash);
    const caller = { name: found.principal.name, role: found.principal.role, tokenId: found.tokenId };
    this.remember(token, caller, found.expiresAt);
    return caller;
  }

  /** The caller of a token that authenticated in the last few seconds and has not expired since, without a wait; else nothing. */
  remembered(token: string | undefined): Caller | undefined {
    const cached = token === undefined ? undefined : this.recent.get(token);
    return cached && cached.until > Date.now() && (!cached.expiresAt || cached.expiresAt.getTime() > Date.now()) ? cached.caller : undefined;
  }

  private remember(token: string, caller: Caller, expiresAt: Date | null): void {
    this.recent.delete(token);
    this.recent.set(token, { caller, expiresAt, until: Date.now() + AUTH_CACHE_MS });
    if (this.recent.size > AUTH_CACHE_SIZE) this.recent.delete(this.recent.keys().next().value!);
  }

  /** Forgets every remembered token (a revocation, rotation or role change may have ended one). */
  private forget(): void {
    this.recent.clear();
    this.limiter.forget();
  }

  /** Creates (or re-roles) a principal and issues it a token. */
  async create(
    input: { name: string; role: string; description?: string | null; expiresIn?: string | null; neverExpires?: boolean | null },
    by: string,
  ): Promise<{ token: string; row: ApiTokenRow; role: Role; name: string }> {
    const name = input.name?.trim();
    if (!name || name.length > 200) throw new AccessError('INVALID_INPUT', 'input.name must be 1 to 200 characters', [{ path: 'input.name', message: 'must be 1 to 200 characters' }]);
    if (name.startsWith('system')) throw new AccessError('INVALID_INPUT', 'input.name must not start with "system"; that prefix is reserved', [{ path: 'input.name', message: 'is reserved' }]);
    if (!(ROLES as readonly string[]).includes(input.role)) {
      throw new AccessError('INVALID_INPUT', `input.role must be one of ${ROLES.join(', ')}`, [{ path: 'input.role', message: `must be one of ${ROLES.join(', ')}` }]);
    }
    const role = input.role as Role;
    const expiresAt = expiryOf(input);
    const principal = await this.repos.access.upsertPrincipal(name, role, by);
    this.forget();
    const { token, hash, prefix } = newSecret();
    const row = await this.repos.access.insertToken({ principalId: principal.id, tokenHash: hash, prefix, description: input.description ?? null, createdBy: by, expiresAt });
    await this.repos.audit.append({
      actor: by,
      action: 'token.created',
      subjectType: 'principal',
      subjectId: name,
      payload: { role, tokenId: row.id, prefix: row.prefix, expiresAt: expiresAt?.toISOString() ?? null },
      idempotencyKey: `token:${row.id}:created`,
    });
    return { token, row, role, name };
  }

  /** Whether the first-admin flow is open: set at start on a database with no admin, closed once used. */
  firstAdminNeeded(): boolean {
    return this.bootstrapCode !== null;
  }

  async createFirstAdmin(input: { name: string; bootstrapCode: string }) {
    if (!this.bootstrapCode || (await this.repos.access.countAdmins()) > 0) {
      throw new AccessError('BOOTSTRAP_REFUSED', 'An admin already exists; ask an admin for a token');
    }
    if (input.bootstrapCode !== this.bootstrapCode) throw new AccessError('BOOTSTRAP_REFUSED', 'The bootstrap code is wrong; it is printed on the server console at start');
    this.bootstrapCode = null;
    try {
      const created = await this.create({ name: input.name, role: 'admin', description: 'first admin (bootstrap)' }, 'system:bootstrap');
      this.logger.log(`first admin created: ${input.name}`);
      return created;
    } catch (error) {
      // A refused name (empty, reserved) does not use up the code.
      this.bootstrapCode = input.bootstrapCode;
      throw error;
    }
  }

  async revoke(id: string, by: Caller): Promise<ApiTokenRow> {
    if (!isUuid(id)) throw invalid('input.id', 'must be a UUID');
    const row = await this.repos.access.revokeToken(id, by.name);
    if (!row) {
      const existing = await this.repos.access.findToken(id);
      if (!existing) throw new AccessError('TOKEN_NOT_FOUND', `No token has id ${id}`);
      return existing;
    }
    this.forget();
    await this.repos.audit.append({ actor: by.name, action: 'token.revoked', subjectType: 'token', subjectId: id, payload: { prefix: row.prefix }, idempotencyKey: `token:${id}:revoked` });
    return row;
  }

  /**
   * Issues a successor to a token (the caller's own, or anyone's for an admin) and lets the old one work
   * for `overlap` more (1 hour by default), so a service swaps tokens without a moment refused. A token is
   * rotated once; its successor lives as long as it did unless `expiresIn` says otherwise, and only an
   * admin may make a successor live longer than the token it replaces.
   */
  async rotate(input: { id?: string | null; overlap?: string | null; expiresIn?: string | null; neverExpires?: boolean | null }, by: Caller) {
    const id = input.id ?? by.tokenId;
    if (!id || !isUuid(id)) throw invalid('input.id', 'must be a UUID');
    const overlapMs = durationField('input.overlap', input.overlap ?? DEFAULT_OVERLAP, 0, MAX_OVERLAP_MS, '30d');
    const old = await this.repos.access.tokenWithPrincipal(id);
    if (!old || old.revokedAt || (old.expiresAt && old.expiresAt <= new Date())) throw new AccessError('TOKEN_NOT_FOUND', `No live token has id ${id}`);
    if (old.principalName !== by.name && by.role !== 'admin') {
      const reason = `rotateToken of another principal's token needs the role admin; ${by.name} is ${by.role}`;
      await this.recordRefusal(by.name, 'rotateToken', 'FORBIDDEN', reason);
      throw new AccessError('FORBIDDEN', `Forbidden: ${reason}`);
    }
    const rotated = () => new AccessError('TOKEN_ROTATED', `Token ${id} was already rotated; rotate its successor instead`);
    if (old.replacedBy) throw rotated();
    const expiresAt = successorExpiry(input, old, by.role === 'admin');
    const endsAt = new Date(Math.min(old.expiresAt?.getTime() ?? Infinity, Date.now() + overlapMs));
    const secret = newSecret();
    const row = await this.repos.access.rotateToken(id, { tokenHash: secret.hash, prefix: secret.prefix, description: old.description, createdBy: by.name, expiresAt }, endsAt);
    if (!row) throw rotated();
    this.forget();
    await this.repos.audit.append({
      actor: by.name,
      action: 'token.rotated',
      subjectType: 'token',
      subjectId: id,
      payload: { prefix: old.prefix, successorId: row.id, successorPrefix: row.prefix, oldExpiresAt: endsAt.toISOString(), expiresAt: expiresAt?.toISOString() ?? null },
      idempotencyKey: `token:${id}:rotated`,
    });
    return { token: secret.token, row, role: old.role, name: old.principalName };
  }

  async list() {
    return await this.repos.access.listTokens();
  }

  /** A known principal's refusal is a governance fact: an audit event of its own, or past a few a minute, counted into one a minute. */
  async recordRefusal(actor: string, operation: string, code: string, reason: string): Promise<void> {
    await this.refusals.record(actor, operation, code, reason);
  }

  /** A refusal of no known principal (no token, an unknown or revoked one) is counted, not chained: a flood of them cannot grow the audit history. */
  async countAnonymousRefusal(source: string, operation: string, reason: string): Promise<void> {
    await this.limiter.refused(source);
    await this.repos.access.countRefusal({ source, operation, reason, at: new Date() });
  }
}
