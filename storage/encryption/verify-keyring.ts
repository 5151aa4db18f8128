import type { Database } from '../../db/client.js';
import { createRepositories } from '../../db/repositories/index.js';
import type { Keyring } from './keyring.js';

/** A configured key whose id this deployment knows under another key. */
export class KeyringMismatchError extends Error {
  override readonly name = 'KeyringMismatchError';
}

/**
 * Checks the keyring against the fingerprints this database recorded: a key id that now names another
 * key is refused, since the process would write what nothing can read back and fail on all it wrote
 * before. New ids are recorded. Nothing to do without a keyring.
 */
export async function verifyKeyring(database: Database, keyring: Keyring | undefined): Promise<void> {
  if (!keyring) return;
  const mismatched = await createRepositories(database.db).encryptionKeys.remember(keyring.ids.map((id) => ({ id, fingerprint: keyring.fingerprint(id) })));
  if (mismatched.length > 0) {
    const ids = mismatched.map((m) => `"${m.id}"`).join(', ');
    throw new KeyringMismatchError(
      `CUSTODY_ENCRYPTION_KEYS: key ${ids} is not the key that id named when this deployment's data was encrypted (its fingerprint differs); restore the original key, or add the new key under a new id`,
    );
  }
}

/** For entry points: the check, or one line on stderr and exit 1. */
export async function verifyKeyringOrExit(database: Database, keyring: Keyring | undefined): Promise<void> {
  try {
    await verifyKeyring(database, keyring);
  } catch (error) {
    if (!(error instanceof KeyringMismatchError)) throw error;
    process.stderr.write(`custody: ${error.message}\n`);
    process.exit(1);
  }
}
