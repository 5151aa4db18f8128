import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';

export interface StoredArtifact {
  sha256: string;
  sizeBytes: number;
}

/**
 * A content-addressed store of datasets and model artifacts: each file lives at `sha256/ab/<hash>`.
 * Identical content is stored once; writes go to a temporary file renamed into place, so a crash never
 * leaves a partial artifact under a hash and a retried write is harmless.
 */
export class ArtifactStore {
  constructor(readonly root: string) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /** Streams a file into the store (never loading it whole), hashing as it copies. */
  async putFile(source: string): Promise<StoredArtifact> {
    return await this.putStream(createReadStream(source));
  }

  /**
   * Streams content into the store, hashing as it copies; nothing lands under a hash unless the whole
   * stream arrived. An error from `source` (a client hanging up, a size limit) leaves no trace.
   */
  async putStream(source: Readable): Promise<StoredArtifact> {
    const tmp = await this.tempPath();
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, hasher, createWriteStream(tmp));
      const sha256 = hash.digest('hex');
      await this.commit(tmp, sha256);
      return { sha256, sizeBytes };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async putBytes(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (!(await this.has(sha256))) {
      const tmp = await this.tempPath();
      try {
        await writeFile(tmp, bytes);
        await this.commit(tmp, sha256);
      } finally {
        await rm(tmp, { force: true });
      }
    }
    return { sha256, sizeBytes: bytes.byteLength };
  }

  async read(sha256: string): Promise<Buffer> {
    return await readFile(this.pathOf(sha256));
  }

  private async commit(tmp: string, sha256: string): Promise<void> {
    const target = this.pathOf(sha256);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tmp, target);
  }

  private async tempPath(): Promise<string> {
    const dir = path.join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    return path.join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
  }
}
