import { pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './_columns.js';

/**
 * The encryption keys this deployment has used, by id, with a fingerprint (an HMAC of a fixed text under
 * the key, never the key): a process that starts with a different key under a known id is stopped at
 * once, instead of writing data that nothing can read back, or failing later on every old payload.
 */
export const encryptionKeys = pgTable('encryption_keys', {
  id: text('id').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
});

export type EncryptionKeyRow = typeof encryptionKeys.$inferSelect;
export type NewEncryptionKeyRow = typeof encryptionKeys.$inferInsert;
