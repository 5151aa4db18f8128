import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../clients/payload-codec.js';
import { loadConfig } from '../../config.js';
import { DecryptionError, Keyring, newKeySpec } from '../../storage/encryption/keyring.js';

const key = (id: string) => ({ id, key: randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());
const MARKER = 'marker-7f3a-do-not-leak';

describe('the payload encryption codec', () => {
  const old = key('k1');
  const current = key('k2');
  const codec = new EncryptionCodec(new Keyring([old, current], 'k2'));
  const plain = [defaultPayloadConverter.toPayload({ comment: MARKER, n: 42 })];

  it('seals each payload under the active key, its id in the metadata, and opens it again', async () => {
    const [sealed] = await codec.encode(plain);
    expect(text(sealed!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata![KEY_ID_METADATA])).toBe('k2');
    expect(Buffer.from(sealed!.data!).includes(MARKER)).toBe(false);
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ comment: MARKER, n: 42 });
  });

  it('passes payloads written before encryption through unchanged', async () => {
    expect(await codec.decode(plain)).toEqual(plain);
  });

  it('still opens what a retired key sealed after rotation', async () => {
    const [sealedByOld] = await new EncryptionCodec(new Keyring([old], 'k1')).encode(plain);
    const [opened] = await codec.decode([sealedByOld!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ comment: MARKER, n: 42 });
  });

  it('names the key when a payload cannot be opened: an unknown id, the wrong key under a known id, or altered data', async () => {
    const [sealed] = await codec.encode(plain);
    await expect(new EncryptionCodec(new Keyring([old], 'k1')).decode([sealed!])).rejects.toThrow(/encrypted with key "k2", which is not in the keyring/);
    await expect(new EncryptionCodec(new Keyring([key('k2')], 'k2')).decode([sealed!])).rejects.toThrow(DecryptionError);
    await expect(new EncryptionCodec(new Keyring([key('k2')], 'k2')).decode([sealed!])).rejects.toThrow(/key "k2" does not decrypt with the configured key of that id/);
    const altered = { ...sealed!, data: Uint8Array.from(sealed!.data!, (b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(codec.decode([altered])).rejects.toThrow(/the wrong key, or the data was altered/);
  });
});

describe('the keyring configuration', () => {
  const env = (keys: string, active?: string) => ({ CUSTODY_ENCRYPTION_KEYS: keys, ...(active ? { CUSTODY_ENCRYPTION_ACTIVE_KEY: active } : {}) });

  it('is off without keys, and makes the last key active unless one is named', () => {
    expect(loadConfig({}).encryption).toBeNull();
    const two = `${newKeySpec('a')},${newKeySpec('b')}`;
    expect(loadConfig(env(two))!.encryption!.keyring.activeId).toBe('b');
    expect(loadConfig(env(two, 'a'))!.encryption!.keyring.activeId).toBe('a');
    expect(loadConfig(env(two))!.encryption!.codecOrigins).toEqual(['http://localhost:8233']);
  });

  it('refuses malformed keys, duplicate ids and an active key it does not hold, naming the variable', () => {
    expect(() => loadConfig(env('k1:c2hvcnQ='))).toThrow(/CUSTODY_ENCRYPTION_KEYS must list keys as id:base64/);
    expect(() => loadConfig(env(`${newKeySpec('k1')},${newKeySpec('k1')}`))).toThrow(/names key "k1" twice/);
    expect(() => loadConfig(env(newKeySpec('k1'), 'k9'))).toThrow(/CUSTODY_ENCRYPTION_ACTIVE_KEY "k9" is not one of the keys/);
    expect(() => loadConfig({ CUSTODY_ENCRYPTION_ACTIVE_KEY: 'k1' })).toThrow(/CUSTODY_ENCRYPTION_KEYS names no key/);
  });
});
