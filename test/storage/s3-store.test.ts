import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { ArtifactIntegrityError, contentKey } from '../../storage/artifact-store.js';
import { openArtifactStore } from '../../storage/open-store.js';
import type { S3ArtifactStore } from '../../storage/s3-store.js';
import { newKeySpec } from '../../storage/encryption/keyring.js';
import { s3Env } from '../support/s3.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The S3 artifact store against a real S3 server: content addressing, streaming, integrity, idempotence. */
describe('the artifact store on S3', () => {
  let env: ReturnType<typeof s3Env>;
  const open = () => {
    const config = loadConfig({ ...env.env, CUSTODY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'custody-s3-store-')) });
    return openArtifactStore(config.artifacts) as S3ArtifactStore;
  };
  /** Where the S3 server keeps an object's bytes (versitygw serves a directory). */
  const objectFile = (sha256: string) => path.join(env.bucketDir, env.prefix, ...contentKey(sha256).split('/'));
  beforeAll(() => {
    env = s3Env();
  });

  it('keeps content under the sha256 of its bytes, and reads it back, checked', async () => {
    const store = open();
    const bytes = Buffer.from('{"model":"tiny"}');
    expect(await store.has(sha(bytes))).toBe(false);
    expect(await store.putBytes(bytes)).toEqual({ sha256: sha(bytes), sizeBytes: bytes.length });
    expect(await store.has(sha(bytes))).toBe(true);
    expect(readFileSync(objectFile(sha(bytes)))).toEqual(bytes);
    expect(await open().read(sha(bytes))).toEqual(bytes);
    expect(store.location).toBe(`s3://custody-test/${env.prefix}/`);
  });

  it('streams a large upload in parts without holding it in memory, and downloads it to a verified local copy', { timeout: 120_000 }, async () => {
    const store = open();
    const size = 256 * 1024 * 1024;
    const chunk = randomBytes(1024 * 1024);
    let sent = 0;
    const source = new Readable({
      read() {
        this.push(sent < size ? chunk : null);
        sent += chunk.length;
      },
    });
    const hash = createHash('sha256');
    for (let i = 0; i < size / chunk.length; i++) hash.update(chunk);
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const stored = await store.putStream(source);
    clearInterval(sampler);
    expect(stored).toEqual({ sha256: hash.digest('hex'), sizeBytes: size });
    // Parts in flight and stream buffers, not the file: a 256 MB upload grows memory by well under half of it.
    expect((peak - before) / 2 ** 20).toBeLessThan(128);
    const fresh = open();
    const local = await fresh.withLocalFile(stored.sha256, async (file) => file);
    expect(sha(readFileSync(local))).toBe(stored.sha256);
    expect(await fresh.withLocalFile(stored.sha256, async (file) => file)).toBe(local);
  });

  it('checks a cached copy against its address every time it is used, and fetches an altered one again', async () => {
    const store = open();
    const bytes = Buffer.from('cached content');
    const { sha256 } = await store.putBytes(bytes);
    const local = await store.withLocalFile(sha256, async (file) => file);
    writeFileSync(local, 'altered in the cache');
    expect(await store.withLocalFile(sha256, async (file) => readFileSync(file))).toEqual(bytes);
  });

  it('refuses content that no longer matches its hash, on read and on download', async () => {
    const store = open();
    const bytes = Buffer.from('the real content');
    await store.putBytes(bytes);
    writeFileSync(objectFile(sha(bytes)), 'tampered content');
    await expect(open().read(sha(bytes))).rejects.toThrow(ArtifactIntegrityError);
    await expect(open().read(sha(bytes))).rejects.toThrow(`artifact ${sha(bytes)} in s3://custody-test/${env.prefix}/ does not match its hash`);
    await expect(open().withLocalFile(sha(bytes), async (file) => file)).rejects.toThrow(ArtifactIntegrityError);
    expect(readFileSync(objectFile(sha(bytes)), 'utf8')).toBe('tampered content');
  });

  it('makes a retried write harmless, names a missing artifact, lists what it holds, and discards on request', async () => {
    const store = open();
    const bytes = Buffer.from('written twice');
    const first = await store.putBytes(bytes);
    expect(await store.putStream(Readable.from([bytes]))).toEqual(first);
    expect(readFileSync(objectFile(first.sha256))).toEqual(bytes);
    const missing = sha(Buffer.from('never stored'));
    await expect(store.read(missing)).rejects.toThrow(`artifact ${missing} is missing from s3://custody-test/${env.prefix}/`);
    const listed = [];
    for await (const entry of store.list()) listed.push(entry);
    expect(listed).toContainEqual({ sha256: first.sha256, sizeBytes: bytes.length, storedAt: expect.any(Date) });
    await store.discard(first.sha256);
    expect(await store.has(first.sha256)).toBe(false);
    expect(existsSync(objectFile(first.sha256))).toBe(false);
  });

  it('with encryption keys, keeps only the sealed form in the bucket, under the plaintext hash', async () => {
    const key = newKeySpec('k1');
    const sealed = () => {
      const config = loadConfig({ ...env.env, CUSTODY_ENCRYPTION_KEYS: key, CUSTODY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'custody-s3-sealed-')) });
      return openArtifactStore(config.artifacts, config.encryption!.keyring);
    };
    const marker = `marker-${randomBytes(6).toString('hex')}`;
    const bytes = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${i},${marker}`).join('\n'));
    const stored = await sealed().putStream(Readable.from([bytes]));
    expect(stored).toEqual({ sha256: sha(bytes), sizeBytes: bytes.length });
    const object = readFileSync(objectFile(stored.sha256));
    expect(object.subarray(0, 6).toString()).toBe('CSEAL1');
    expect(object.includes(marker)).toBe(false);
    expect((await sealed().read(stored.sha256)).equals(bytes)).toBe(true);
    const copy = await sealed().withLocalFile(stored.sha256, async (file) => {
      expect(readFileSync(file).equals(bytes)).toBe(true);
      return file;
    });
    // The plaintext copy lived only while it was used.
    expect(existsSync(copy)).toBe(false);
  });
});
