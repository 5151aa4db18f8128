import { createHmac } from 'node:crypto';
import type { Keyring } from './keyring.js';

/**
 * Keyed hashes of sensitive values (HMAC-SHA256 under a key derived from the keyring's first key): the
 * same value of the same column always gives the same pseudonym, so drift can still compare categories,
 * while nobody without the key can test a guess against the log. Keep the first key of
 * CUSTODY_ENCRYPTION_KEYS in the keyring when rotating, or the pseudonyms change with it.
 */
export class Pseudonyms {
  private readonly key: Buffer;

  constructor(keyring: Keyring) {
    this.key = createHmac('sha256', keyring.key(keyring.ids[0]!)).update('custody pseudonym key v1').digest();
  }

  of(column: string, value: string): string {
    return `h:${createHmac('sha256', this.key).update(column).update('\0').update(value).digest('hex').slice(0, 24)}`;
  }
}
