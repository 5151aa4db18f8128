import { index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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

export type PrincipalRow = typeof principals.$inferSelect;
export type AuthRefusalRow = typeof authRefusals.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
