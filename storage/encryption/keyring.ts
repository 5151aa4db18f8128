import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** One key of the keyring: its id (travels with what it encrypted) and 32 bytes of AES-256 key. */
export interface KeyringEntry {
  id: string;
  key: Buffer;
}

/** Data that cannot be decrypted: an unknown key id, the wrong key under a known id, or tampering. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The configured encryption keys: one active key encrypts, every key decrypts, so data written under
 * a retired key stays readable after rotation. Keys are never logged; a fingerprint (an HMAC of a fixed
 * text under the key) lets a process tell that a key id still names the same key it did before.
 */
export class Keyring {
  private readonly keys: Map<string, Buffer>;

  constructor(
    entries: readonly KeyringEntry[],
    readonly activeId: string,
  ) {
    this.keys = new Map(entries.map((e) => [e.id, e.key]));
    if (!this.keys.has(activeId)) throw new Error(`the active key ${activeId} is not in the keyring`);
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }

  key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new DecryptionError(`data was encrypted with key "${id}", which is not in the keyring (CUSTODY_ENCRYPTION_KEYS names ${this.ids.map((k) => `"${k}"`).join(', ')})`);
    return key;
  }

  /** HMAC-SHA256 of a fixed text under the key: tells keys apart without revealing them. */
  fingerprint(id: string): string {
    return createHmac('sha256', this.key(id)).update('custody key fingerprint v1').digest('hex');
  }

  /** AES-256-GCM under the active key: iv ‖ ciphertext ‖ tag. `context` is bound as associated data. */
  seal(plaintext: Uint8Array, context = ''): { keyId: string; sealed: Buffer } {
    return { keyId: this.activeId, sealed: sealWith(this.key(this.activeId), plaintext, context) };
  }

  open(keyId: string, sealed: Uint8Array, context = ''): Buffer {
    return openWith(this.key(keyId), sealed, context, keyId);
  }
}

export function sealWith(key: Buffer, plaintext: Uint8Array, context = ''): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

export function openWith(key: Buffer, sealed: Uint8Array, context = '', keyId = 'the data key'): Buffer {
  const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (data.length < IV_BYTES + TAG_BYTES) throw new DecryptionError(`encrypted data under ${keyId} is truncated (${data.length} bytes)`);
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError(`data encrypted with key "${keyId}" does not decrypt with the configured key of that id: the wrong key, or the data was altered`);
  }
}

/** A fresh key in the configuration's form, `id:base64`; for `custody keys new` and tests. */
export const newKeySpec = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;
