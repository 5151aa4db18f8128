import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { ArtifactIntegrityError, spool, verifiedCopy, type ArtifactStore, type ObjectBackend, type StoredArtifact, type StoredEntry } from './artifact-store.js';
import type { Keyring } from './encryption/keyring.js';
import { openBytes, openingStream, sealBytes, sealingStream } from './encryption/sealed-artifact.js';
import { processPrivateDir } from './private-dir.js';

/** A decrypted copy of one artifact, shared by the callers that hold it at once. */
interface Lease {
  file: Promise<string>;
  holders: number;
}

/**
 * The artifact store with encryption at rest (CUSTODY_ENCRYPTION_KEYS): every artifact is kept in the
 * inner store (a directory or a bucket) in its sealed form (encryption/sealed-artifact.ts), under the
 * sha256 of its plaintext, so content addressing and caching work as before. Reads decrypt in memory and
 * check the plaintext against its address.
 *
 * Code that reads files (profiling, training) gets a plaintext copy in this process's private directory
 * (private-dir.ts) for as long as it runs: the copy is made when the first caller asks, shared by callers
 * that hold it at once, and removed when the last one ends. Nothing decrypted is kept between uses.
 */
export class EncryptedArtifactStore implements ArtifactStore {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly inner: ArtifactStore & ObjectBackend,
    private readonly keyring: Keyring,
  ) {}

  get location(): string {
    return `${this.inner.location} (encrypted)`;
  }

  has(sha256: string): Promise<boolean> {
    return this.inner.has(sha256);
  }

  putFile(file: string): Promise<StoredArtifact> {
    return this.putStream(createReadStream(file));
  }

  /**
   * Spools the plaintext to a private file while hashing it (the address is known only at the end), stores it
   * sealed, and removes the plaintext at once.
   */
  async putStream(source: Readable): Promise<StoredArtifact> {
    const spooled = await spool(source, path.join(processPrivateDir(), 'incoming'));
    try {
      if (!(await this.inner.has(spooled.sha256))) {
        await this.inner.writeObject(spooled.sha256, piped(createReadStream(spooled.file), sealingStream(this.keyring, spooled.sha256)));
      }
    } finally {
      await rm(spooled.file, { force: true });
    }
    return { sha256: spooled.sha256, sizeBytes: spooled.sizeBytes };
  }

  async putBytes(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (!(await this.inner.has(sha256))) await this.inner.writeObject(sha256, Readable.from([await sealBytes(this.keyring, sha256, bytes)]));
    return { sha256, sizeBytes: bytes.byteLength };
  }

  async read(sha256: string): Promise<Buffer> {
    const sealed = Buffer.concat(await (await this.inner.readObject(sha256)).toArray());
    const bytes = await openBytes(this.keyring, sha256, sealed);
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new ArtifactIntegrityError(`artifact ${sha256} in ${this.location} does not match its hash`);
    return bytes;
  }

  async withLocalFile<T>(sha256: string, use: (file: string) => Promise<T>): Promise<T> {
    const lease = this.hold(sha256);
    try {
      return await use(await lease.file);
    } finally {
      await this.release(sha256, lease);
    }
  }

  /** Joins the copy being held of `sha256`, or decrypts a new one (checked against its address). */
  private hold(sha256: string): Lease {
    const held = this.leases.get(sha256);
    if (held) {
      held.holders++;
      return held;
    }
    const dir = path.join(processPrivateDir(), 'leases');
    const file = verifiedCopy(path.join(dir, `${sha256}-${randomBytes(6).toString('hex')}`), sha256, {
      tmpDir: path.join(dir, 'tmp'),
      location: this.location,
      download: async () => piped(await this.inner.readObject(sha256), openingStream(this.keyring, sha256)),
    });
    const lease: Lease = { file, holders: 1 };
    this.leases.set(sha256, lease);
    return lease;
  }

  /** Lets go of a copy; the last holder removes it. */
  private async release(sha256: string, lease: Lease): Promise<void> {
    if (--lease.holders > 0) return;
    if (this.leases.get(sha256) === lease) this.leases.delete(sha256);
    const file = await lease.file.catch(() => null);
    if (file) await rm(file, { force: true });
  }

  async discard(sha256: string): Promise<void> {
    await this.inner.discard(sha256);
  }

  list(): AsyncIterable<StoredEntry> {
    return this.inner.list();
  }
}

/** `source` piped through `transform`, with an error of the source passed on to the transform's reader. */
function piped(source: Readable, transform: Transform): Transform {
  source.on('error', (error) => transform.destroy(error));
  return source.pipe(transform);
}
