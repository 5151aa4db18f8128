import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EncryptedArtifactStore } from '../../storage/encrypted-store.js';
import { DecryptionError, Keyring } from '../../storage/encryption/keyring.js';
import { LocalArtifactStore } from '../../storage/local-store.js';
import { processPrivateDir } from '../../storage/private-dir.js';

const MARKER = `marker-${randomBytes(6).toString('hex')}`;
const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** The files under this process's private directory that hold the marker in clear. */
const plaintextFiles = () => filesUnder(processPrivateDir()).filter((f) => readFileSync(f).includes(MARKER));

/** A CSV of about 300 KB (several 64 KiB chunks) with the marker on every row. */
const csv = () => ['id,note', ...Array.from({ length: 6000 }, (_, i) => `${i},${MARKER} row ${i}`)].join('\n') + '\n';

/** Artifacts encrypted at rest: sealed in the directory, addressed and checked by their plaintext. */
describe('the encrypted artifact store', () => {
  const setUp = (keys = [k1], active = 'k1') => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'custody-sealed-'));
    const inner = new LocalArtifactStore(root);
    return { root, inner, store: new EncryptedArtifactStore(inner, new Keyring(keys, active)) };
  };

  it('keeps only sealed content in the directory, under the plaintext hash, and reads it back', async () => {
    const { root, store } = setUp();
    const content = Buffer.from(csv());
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'custody-src-')), 'data.csv');
    writeFileSync(file, content);
    const stored = await store.putFile(file);
    const model = await store.putBytes(Buffer.from(JSON.stringify({ classes: [MARKER] })));
    expect(stored.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(stored.sizeBytes).toBe(content.length);

    const files = filesUnder(root);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(readFileSync(f).includes(MARKER), f).toBe(false);
    expect(readFileSync(path.join(root, 'sha256', stored.sha256.slice(0, 2), stored.sha256)).subarray(0, 6).toString()).toBe('CSEAL1');

    expect((await store.read(stored.sha256)).equals(content)).toBe(true);
    expect(JSON.parse((await store.read(model.sha256)).toString()).classes).toEqual([MARKER]);
    // A second store (another process) decrypts a working copy for code that reads files: outside the store, private.
    const other = new EncryptedArtifactStore(new LocalArtifactStore(root), new Keyring([k1], 'k1'));
    const working = await other.withLocalFile(stored.sha256, async (file) => {
      expect(readFileSync(file).equals(content)).toBe(true);
      expect(path.relative(root, file).startsWith('..')).toBe(true);
      expect(statSync(path.dirname(path.dirname(file))).mode & 0o077).toBe(0);
      return file;
    });
    expect(existsSync(working)).toBe(false);
  });

  it('keeps a plaintext copy only while code uses it: shared by callers at once, removed after the last, even when one fails', async () => {
    const { store } = setUp();
    const stored = await store.putStream(Readable.from([Buffer.from(csv())]));
    // Storing leaves no plaintext behind: the spooled copy it hashed is gone as soon as the sealed one is written.
    expect(plaintextFiles()).toEqual([]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = store.withLocalFile(stored.sha256, async (file) => {
      await held;
      return file;
    });
    await expect.poll(() => plaintextFiles().length).toBe(1);
    const second = store.withLocalFile(stored.sha256, async (file) => file);
    const failing = store.withLocalFile(stored.sha256, async () => {
      throw new Error('the caller failed');
    });
    await expect(failing).rejects.toThrow('the caller failed');
    expect(await second).toBe(plaintextFiles()[0]);
    release();
    expect(await first).toBe(await second);
    expect(plaintextFiles()).toEqual([]);
  });

  it('reads what an old key sealed after rotation, and names the key it lacks', async () => {
    const { root, store } = setUp([k1], 'k1');
    const { sha256 } = await store.putBytes(Buffer.from('sealed under k1'));
    const rotated = new EncryptedArtifactStore(new LocalArtifactStore(root), new Keyring([k1, k2], 'k2'));
    expect((await rotated.read(sha256)).toString()).toBe('sealed under k1');
    const { sha256: newer } = await rotated.putBytes(Buffer.from('sealed under k2'));
    const onlyOld = new EncryptedArtifactStore(new LocalArtifactStore(root), new Keyring([k1], 'k1'));
    await expect(onlyOld.read(newer)).rejects.toThrow(/encrypted with key "k2", which is not in the keyring/);
    const impostor = new EncryptedArtifactStore(new LocalArtifactStore(root), new Keyring([{ id: 'k1', key: randomBytes(32) }], 'k1'));
    await expect(impostor.read(sha256)).rejects.toThrow(DecryptionError);
  });

  it('refuses content altered, cut short, or moved to another address', async () => {
    const { root, store } = setUp();
    const a = await store.putStream(Readable.from([Buffer.from(csv())]));
    const b = await store.putBytes(Buffer.from('another artifact'));
    const at = (sha: string) => path.join(root, 'sha256', sha.slice(0, 2), sha);
    const original = readFileSync(at(a.sha256));
    const fresh = () => new EncryptedArtifactStore(new LocalArtifactStore(root), new Keyring([k1], 'k1'));

    const flipped = Buffer.from(original);
    flipped[flipped.length - 100]! ^= 1;
    writeFileSync(at(a.sha256), flipped);
    await expect(fresh().read(a.sha256)).rejects.toThrow(/does not decrypt/);
    await expect(fresh().withLocalFile(a.sha256, async (file) => file)).rejects.toThrow(/does not decrypt/);
    expect(plaintextFiles()).toEqual([]);

    writeFileSync(at(a.sha256), original.subarray(0, original.length - 70_000));
    await expect(fresh().read(a.sha256)).rejects.toThrow(/is truncated/);

    writeFileSync(at(a.sha256), readFileSync(at(b.sha256)));
    await expect(fresh().read(a.sha256)).rejects.toThrow(DecryptionError);
  });

  it('still reads artifacts stored before encryption was turned on, checked against their hash', async () => {
    const { root, inner } = setUp();
    const legacy = await inner.putBytes(Buffer.from('{"stored":"in clear"}'));
    const store = new EncryptedArtifactStore(new LocalArtifactStore(root), new Keyring([k1], 'k1'));
    expect((await store.read(legacy.sha256)).toString()).toBe('{"stored":"in clear"}');
    writeFileSync(path.join(root, 'sha256', legacy.sha256.slice(0, 2), legacy.sha256), '{"stored":"altered!"}');
    await expect(store.read(legacy.sha256)).rejects.toThrow(/does not match its hash/);
  });
});
