import { inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { encryptionKeys } from '../schema/encryption.js';

export class EncryptionKeysRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records each key id's fingerprint the first time it is seen, and returns the ids whose recorded
   * fingerprint differs from the one given now (the same id naming another key).
   */
  async remember(keys: { id: string; fingerprint: string }[]): Promise<{ id: string; recorded: string }[]> {
    if (keys.length === 0) return [];
    await this.db.insert(encryptionKeys).values(keys).onConflictDoNothing();
    const rows = await this.db.select().from(encryptionKeys).where(inArray(encryptionKeys.id, keys.map((k) => k.id)));
    return rows.filter((row) => keys.find((k) => k.id === row.id)!.fingerprint !== row.fingerprint).map((row) => ({ id: row.id, recorded: row.fingerprint }));
  }
}
