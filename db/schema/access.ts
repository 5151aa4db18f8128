import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps, timestamptz } from './_columns.js';

import type { Role } from '../../domain/access.js';

export { ROLES, roleSatisfies, type Role } from '../../domain/access.js';

/** A person or a system (such as a CI pipeline) that acts through the API or decides gates. */
export const principals = pgTable('principals', {
  id: id(),
  name: text('name').notNull(),
  role: text('role').$type<Role>().notNull(),
  createdBy: text('created_by').notNull(),
  ...timestamps,
}, (t) => [uniqueIndex('principals_name_key').on(t.name)]);

/** API tokens. Only the sha256 of a token is stored; the token itself is shown once, at creation. */
export const apiTokens = pgTable('api_tokens', {
  id: id(),
  principalId: uuid('principal_id').notNull().references(() => principals.id, { onDelete: 'restrict' }),
  tokenHash: text('token_hash').notNull(),
  /** The first characters of the token, so people can tell their tokens apart. */
  prefix: text('prefix').notNull(),
  description: text('description'),
  createdBy: text('created_by').notNull(),
  revokedAt: timestamptz('revoked_at'),
  revokedBy: text('revoked_by'),
  lastUsedAt: timestamptz('last_used_at'),
  /** The successor a rotation issued; a token is rotated once. */
  replacedBy: uuid('replaced_by'),
  /** When the token stops working; null only for a service token created explicitly without an expiry. */
  expiresAt: timestamptz('expires_at'),
  ...timestamps,
}, (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash), index('api_tokens_principal_idx').on(t.principalId)]);

/**
 * Expiries a migration gave to tokens issued before tokens expired (0025_token_expiry_backfill, 90 days from
 * it). Written by that migration only; each API start records every grant not yet audited as one
 * `token.expiry_set` event (keyed by the token, so once however many processes start) and marks it audited.
 */
export const tokenExpiryGrants = pgTable('token_expiry_grants', {
  tokenId: uuid('token_id').primaryKey().references(() => apiTokens.id, { onDelete: 'cascade' }),
  expiresAt: timestamptz('expires_at').notNull(),
  grantedAt: timestamptz('granted_at').notNull().defaultNow(),
  auditedAt: timestamptz('audited_at'),
});

/**
 * Refused requests that named no known principal (no token, or an unknown or revoked one), counted per
 * source, operation, reason and minute. They are not governance facts, so they never grow the audit
 * chain: a flood of them adds to a count here, not an event each.
 */
export const authRefusals = pgTable('auth_refusals', {
  id: id(),
  /** The client's address, as the server saw it. */
  source: text('source').notNull(),
  operation: text('operation').notNull(),
  reason: text('reason').notNull(),
  /** The start of the minute the refusals fell in. */
  windowStart: timestamptz('window_start').notNull(),
  count: integer('count').notNull().default(0),
  lastAt: timestamptz('last_at').notNull(),
  ...timestamps,
}, (t) => [uniqueIndex('auth_refusals_window_key').on(t.source, t.operation, t.reason, t.windowStart), index('auth_refusals_window_idx').on(t.windowStart)]);

/**
 * A known principal's refusals, counted per minute. The first few of a minute are audit events each; past
 * `CUSTODY_AUDITED_REFUSALS_PER_MINUTE` they are only counted here, and the minute, once closed, is one audit
 * event with its count, so a principal hammering what it may not call cannot grow the chain without limit.
 */
export const principalRefusals = pgTable('principal_refusals', {
  id: id(),
  /** The principal's name, as audit events name their actor. */
  actor: text('actor').notNull(),
  /** The start of the minute the refusals fell in. */
  windowStart: timestamptz('window_start').notNull(),
  count: integer('count').notNull().default(0),
  /** Refusals by operation; past 20 operations the rest are counted under "(other)". */
  operations: jsonb('operations').$type<Record<string, number>>().notNull().default({}),
  lastAt: timestamptz('last_at').notNull(),
  /** When the minute was closed: its count past the threshold, if any, then in the audit chain as one event. */
  closedAt: timestamptz('closed_at'),
  ...timestamps,
}, (t) => [uniqueIndex('principal_refusals_window_key').on(t.actor, t.windowStart), index('principal_refusals_open_idx').on(t.windowStart).where(sql`${t.closedAt} is null`)]);

export type PrincipalRow = typeof principals.$inferSelect;
export type AuthRefusalRow = typeof authRefusals.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type PrincipalRefusalRow = typeof principalRefusals.$inferSelect;
export type TokenExpiryGrantRow = typeof tokenExpiryGrants.$inferSelect;
