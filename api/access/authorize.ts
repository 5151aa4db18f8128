import type { Role } from '../../db/schema/access.js';
import { roleSatisfies } from '../../domain/access.js';
import { AccessError } from './access.error.js';
import { bearerToken } from './bearer.js';
import type { Caller } from './principal.js';
import type { TokensService } from './tokens.service.js';

/**
 * The caller a request's bearer token names. A refusal is counted (per source and minute, never audited:
 * nobody without a token can grow the audit chain) and thrown as UNAUTHENTICATED.
 */
export async function authenticateRequest(tokens: TokensService, authorization: string | string[] | undefined, source: string, operation: string): Promise<Caller> {
  const token = bearerToken(authorization);
  const result = token ? await tokens.authenticate(token) : { refused: 'an Authorization: Bearer <token> header is required' };
  if (!('refused' in result)) return result;
  await tokens.countAnonymousRefusal(source, operation, result.refused.startsWith('the token expired') ? 'the token expired' : result.refused);
  throw new AccessError('UNAUTHENTICATED', `Not authenticated: ${result.refused}`);
}

/** Whether the caller holds one of the roles (admin always does); no roles asked, anyone passes. */
export function hasRole(caller: Caller, required: readonly Role[] | undefined): boolean {
  return !required || roleSatisfies(caller.role, [...required]);
}

/** Refuses a caller without one of the roles (admin always passes); a known principal's refusal is audited. */
export async function requireRole(tokens: TokensService, caller: Caller, required: readonly Role[] | undefined, operation: string): Promise<void> {
  if (!required || hasRole(caller, required)) return;
  const others = required.filter((role) => role !== 'admin');
  const needs = others.length > 0 ? `the role ${others.join(' or ')} (or admin)` : 'the role admin';
  const reason = `${operation} needs ${needs}; ${caller.name} is ${caller.role}`;
  await tokens.recordRefusal(caller.name, operation, 'FORBIDDEN', reason);
  throw new AccessError('FORBIDDEN', `Forbidden: ${reason}`);
}
