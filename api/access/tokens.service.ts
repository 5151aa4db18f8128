import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Repositories } from '../../db/repositories/index.js';
import { ROLES, type ApiTokenRow, type Role } from '../../db/schema/access.js';
import { durationMs } from '../../domain/pipeline/spec.js';
import { isUuid } from '../common/validate.js';
import { REPOSITORIES } from '../core/tokens.js';
import { AccessError } from './access.error.js';
import type { Caller } from './principal.js';

/** How long a token lives unless its creator says otherwise: people's tokens expire. */
export const DEFAULT_TOKEN_LIFETIME = '90d';
const MAX_TOKEN_LIFETIME_MS = durationMs('730d');

/** When a new token expires: `expiresIn` (a duration, up to two years), 90 days by default, or never when asked for explicitly. */
function expiryOf(input: { expiresIn?: string | null; neverExpires?: boolean | null }): Date | null {
  if (input.neverExpires && input.expiresIn) throw new AccessError('INVALID_INPUT', 'input.expiresIn cannot be given with neverExpires', [{ path: 'input.expiresIn', message: 'cannot be given with neverExpires' }]);
  if (input.neverExpires) return null;
  let ms: number;
  try {
    ms = durationMs(input.expiresIn ?? DEFAULT_TOKEN_LIFETIME);
  } catch {
    ms = NaN;
  }
  if (!(ms > 0) || ms > MAX_TOKEN_LIFETIME_MS) {
    throw new AccessError('INVALID_INPUT', 'input.expiresIn must be a duration such as 30d, 12h or 90m, at most 730d', [{ path: 'input.expiresIn', message: 'must be a duration such as 30d, 12h or 90m, at most 730d' }]);
  }
  return new Date(Date.now() + ms);
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * API tokens: random 256-bit secrets shown once, stored as their sha256. While no admin exists, a
 * one-time bootstrap code (random at every start, printed only on the server's console) lets the
 * operator create the first admin token; there is no default password.
 */
@Injectable()
export class TokensService {
  private readonly logger = new Logger('Access');
  private bootstrapCode: string | null = null;

  constructor(@Inject(REPOSITORIES) private readonly repos: Repositories) {}

  /** Returns a fresh bootstrap code when the database has no admin yet, else null. */
  async prepareBootstrap(): Promise<string | null> {
    if ((await this.repos.access.countAdmins()) > 0) return (this.bootstrapCode = null);
    this.bootstrapCode = randomBytes(12).toString('base64url');
    return this.bootstrapCode;
  }

  /** The token's principal, or why it does not authenticate: unknown or revoked, or expired (and when). */
  async authenticate(token: string): Promise<Caller | { refused: string }> {
    const found = await this.repos.access.principalForToken(hashToken(token));
    if (!found) return { refused: 'the token is unknown or revoked' };
    if (found.expiresAt && found.expiresAt <= new Date()) return { refused: `the token expired at ${found.expiresAt.toISOString()}; ask an admin for a new one` };
    return { name: found.principal.name, role: found.principal.role };
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
    const token = `cus_${randomBytes(32).toString('base64url')}`;
    const row = await this.repos.access.insertToken({ principalId: principal.id, tokenHash: hashToken(token), prefix: token.slice(0, 8), description: input.description ?? null, createdBy: by, expiresAt });
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
    if (!isUuid(id)) throw new AccessError('INVALID_INPUT', 'input.id must be a UUID', [{ path: 'input.id', message: 'must be a UUID' }]);
    const row = await this.repos.access.revokeToken(id, by.name);
    if (!row) {
      const existing = await this.repos.access.findToken(id);
      if (!existing) throw new AccessError('TOKEN_NOT_FOUND', `No token has id ${id}`);
      return existing;
    }
    await this.repos.audit.append({ actor: by.name, action: 'token.revoked', subjectType: 'token', subjectId: id, payload: { prefix: row.prefix }, idempotencyKey: `token:${id}:revoked` });
    return row;
  }

  async list() {
    return await this.repos.access.listTokens();
  }

  /** Records a refused request in the audit history. */
  /** A known principal's refusal is a governance fact: one audit event, in the chain. */
  async recordRefusal(actor: string, operation: string, code: string, reason: string): Promise<void> {
    await this.repos.audit.append({ actor, action: 'auth.refused', subjectType: 'operation', subjectId: operation, payload: { code, reason }, idempotencyKey: `refused:${randomUUID()}` });
  }

  /** A refusal of no known principal (no token, an unknown or revoked one) is counted, not chained: a flood of them cannot grow the audit history. */
  async countAnonymousRefusal(source: string, operation: string, reason: string): Promise<void> {
    await this.repos.access.countRefusal({ source, operation, reason, at: new Date() });
  }
}
