import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { ArtifactIntegrityError, contentKey, settle, spool, verifiedCopy, type ArtifactStore, type ObjectBackend, type StoredArtifact, type StoredEntry } from './artifact-store.js';
import type { Keyring } from './encryption/keyring.js';
import { openBytes, openingStream, sealBytes, sealingStream } from './encryption/sealed-artifact.js';

const WORK_PREFIX = 'custody-plain-';

/**
 * The artifact store with encryption at rest (CUSTODY_ENCRYPTION_KEYS): every artifact is kept in the
 * inner store (a directory or a bucket) in its sealed form (encryption/sealed-artifact.ts), under the
 * sha256 of its plaintext, so content addressing and caching work as before. Reads decrypt and check
 * the plaintext against its address.
 *
 * Code that reads files (profiling, training, command trainers) gets a plaintext working copy in a
 * private directory of this process (mode 0700, outside the store), removed when the process exits;
 * one left by a process that died is removed by the next one to start.
 */
export class EncryptedArtifactStore implements ArtifactStore {
  private readonly workDir: string;

  constructor(
    private readonly inner: ArtifactStore & ObjectBackend,
    private readonly keyring: Keyring,
  ) {
    this.workDir = privateWorkDir();
  }

  get location(): string {
    return `${this.inner.location} (encrypted)`;
  }

  private workPath(sha256: string): string {
    return path.join(this.workDir, ...contentKey(sha256).split('/'));
  }

  has(sha256: string): Promise<boolean> {
    return this.inner.has(sha256);
  }

  putFile(file: string): Promise<StoredArtifact> {
    return this.putStream(createReadStream(file));
  }

  /** Spools the plaintext to the working directory while hashing (the address), then stores it sealed. */
  async putStream(source: Readable): Promise<StoredArtifact> {
    const spooled = await spool(source, path.join(this.workDir, 'tmp'));
    try {
      if (!(await this.inner.has(spooled.sha256))) {
        await this.inner.writeObject(spooled.sha256, piped(createReadStream(spooled.file), sealingStream(this.keyring, spooled.sha256)));
      }
      await settle(spooled.file, this.workPath(spooled.sha256));
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

  async localPath(sha256: string): Promise<string> {
    return await verifiedCopy(this.workPath(sha256), sha256, {
      tmpDir: path.join(this.workDir, 'tmp'),
      location: this.location,
      download: async () => piped(await this.inner.readObject(sha256), openingStream(this.keyring, sha256)),
    });
  }

  async discard(sha256: string): Promise<void> {
    await this.inner.discard(sha256);
    await rm(this.workPath(sha256), { force: true });
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

/**
 * A new directory only this process's user can read, removed when the process exits. Directories of
 * processes no longer running (a crash, a kill) are removed first, so plaintext never outlives its process.
 */
function privateWorkDir(): string {
  const parent = path.join(os.tmpdir(), `custody-${os.userInfo().uid}`);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(parent)) {
    const pid = Number(name.slice(WORK_PREFIX.length).split('-')[0]);
    if (name.startsWith(WORK_PREFIX) && !isRunning(pid)) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(path.join(parent, `${WORK_PREFIX}${process.pid}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
