import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ArtifactIntegrityError, contentKey, settle, SHA256, spool, type ArtifactStore, type ObjectBackend, type StoredArtifact, type StoredEntry } from './artifact-store.js';

/**
 * The store as a local directory (the embedded default): each artifact is the file `sha256/ab/<hash>`,
 * written to a temporary file renamed into place, so a crash never leaves a partial artifact under a hash.
 */
export class LocalArtifactStore implements ArtifactStore, ObjectBackend {
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  pathOf(sha256: string): string {
    return path.join(this.root, ...contentKey(sha256).split('/'));
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async putFile(file: string): Promise<StoredArtifact> {
    return await this.putStream(createReadStream(file));
  }

  async putStream(source: Readable): Promise<StoredArtifact> {
    const spooled = await spool(source, path.join(this.root, 'tmp'));
    try {
      await settle(spooled.file, this.pathOf(spooled.sha256));
    } finally {
      await rm(spooled.file, { force: true });
    }
    return { sha256: spooled.sha256, sizeBytes: spooled.sizeBytes };
  }

  async putBytes(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (!(await this.has(sha256))) {
      // A name of its own: two writers of the same content at once (two trials training the same model) never share one.
      const tmp = path.join(this.root, 'tmp', `${sha256}-${randomUUID()}`);
      try {
        await settle(await writeTemp(tmp, bytes), this.pathOf(sha256));
      } finally {
        await rm(tmp, { force: true });
      }
    }
    return { sha256, sizeBytes: bytes.byteLength };
  }

  async read(sha256: string): Promise<Buffer> {
    const bytes = await readFile(this.pathOf(sha256));
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new ArtifactIntegrityError(`artifact ${sha256} in ${this.root} does not match its hash`);
    return bytes;
  }

  /** The stored file itself: the store is a directory of plain files, nothing is copied. */
  async withLocalFile<T>(sha256: string, use: (file: string) => Promise<T>): Promise<T> {
    if (!(await this.has(sha256))) throw new ArtifactIntegrityError(`artifact ${sha256} is missing from ${this.root}`);
    return await use(this.pathOf(sha256));
  }

  async discard(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async writeObject(sha256: string, source: Readable): Promise<void> {
    const spooled = await spool(source, path.join(this.root, 'tmp'));
    try {
      await settle(spooled.file, this.pathOf(sha256));
    } finally {
      await rm(spooled.file, { force: true });
    }
  }

  async readObject(sha256: string): Promise<Readable> {
    if (!(await this.has(sha256))) throw new ArtifactIntegrityError(`artifact ${sha256} is missing from ${this.root}`);
    return createReadStream(this.pathOf(sha256));
  }

  async *list(): AsyncIterable<StoredEntry> {
    const root = path.join(this.root, 'sha256');
    let shards: string[];
    try {
      shards = await readdir(root);
    } catch {
      return;
    }
    for (const shard of shards) {
      for (const name of await readdir(path.join(root, shard))) {
        if (!SHA256.test(name)) continue;
        const info = await stat(path.join(root, shard, name));
        yield { sha256: name, sizeBytes: info.size, storedAt: info.mtime };
      }
    }
  }
}

async function writeTemp(file: string, bytes: Uint8Array): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return file;
}
