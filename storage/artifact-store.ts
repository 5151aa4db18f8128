import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredArtifact {
  sha256: string;
  sizeBytes: number;
}

/**
 * A content-addressed store of datasets and model artifacts: content is kept under the sha256 of its
 * bytes, so identical content is stored once, a retried write is harmless, and a read can check what it
 * got. Two kinds: a local directory (the embedded default) and an S3-compatible bucket.
 */
export interface ArtifactStore {
  /** Where the content lives, for messages: a directory, or s3://bucket/prefix. */
  readonly location: string;
  has(sha256: string): Promise<boolean>;
  /** Streams a file in (never loading it whole), hashing as it copies. */
  putFile(file: string): Promise<StoredArtifact>;
  /** Streams content in; nothing is kept under a hash unless the whole stream arrived. */
  putStream(source: Readable): Promise<StoredArtifact>;
  putBytes(bytes: Uint8Array): Promise<StoredArtifact>;
  /** The whole content of a small artifact (a model's JSON), checked against its hash. */
  read(sha256: string): Promise<Buffer>;
  /**
   * Runs `use` with a local file holding the content, for code that reads files (profiling, training). A copy
   * (a bucket's cache, an encrypted store's plaintext) is checked against its address before `use` sees it, and
   * a plaintext copy exists only until `use` ends and no other caller holds it; a local store's own file is
   * given as it is stored.
   */
  withLocalFile<T>(sha256: string, use: (file: string) => Promise<T>): Promise<T>;
  /** Removes content nothing references (an upload refused after it was stored). */
  discard(sha256: string): Promise<void>;
  /** Everything stored, with its size and when it was written: what garbage collection weighs. */
  list(): AsyncIterable<StoredEntry>;
}

/**
 * The objects under a store's content keys, written and read as they are: what the encrypting store
 * (encrypted-store.ts) keeps its sealed form in, under the address of the plaintext.
 */
export interface ObjectBackend {
  /** Writes `source` whole under the key of `sha256`; a partial write never appears under it. */
  writeObject(sha256: string, source: Readable): Promise<void>;
  /** The object under the key of `sha256`; ArtifactIntegrityError when it is missing. */
  readObject(sha256: string): Promise<Readable>;
}

export interface StoredEntry extends StoredArtifact {
  storedAt: Date;
}

/** Thrown when stored content no longer matches its hash, or is missing. */
export class ArtifactIntegrityError extends Error {
  override readonly name = 'ArtifactIntegrityError';
}

export const SHA256 = /^[0-9a-f]{64}$/;

/** `sha256/ab/<hash>`: where content lives under a store's root or prefix. */
export function contentKey(sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

/** A pass-through stream that hashes and counts what flows through it. */
export function hashing(): Transform & { digest(): StoredArtifact } {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let digest: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  return Object.assign(stream, { digest: () => ({ sha256: (digest ??= hash.digest('hex')), sizeBytes }) });
}

/**
 * Copies `source` into a new temporary file under `dir`, hashing it on the way. The caller renames it
 * into place or removes it; on failure it is already gone.
 */
export async function spool(source: Readable, dir: string): Promise<StoredArtifact & { file: string }> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
  const hasher = hashing();
  try {
    await pipeline(source, hasher, createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { ...hasher.digest(), file };
}

/** Renames a spooled file to `target` (creating its directory); content-addressed, so a rename over an existing copy is harmless. */
export async function settle(file: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  await rename(file, target);
}

/** The sha256 of a file's content, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hasher = hashing();
  await pipeline(createReadStream(file), hasher, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return hasher.digest().sha256;
}

/**
 * A local file holding the content of `sha256` at `target`: the one already there when it still hashes to its
 * address (a copy altered on disk is fetched again), else one spooled from `download()` under `tmpDir`,
 * checked against its address, and renamed into place.
 */
export async function verifiedCopy(target: string, sha256: string, input: { tmpDir: string; location: string; download: () => Promise<Readable> }): Promise<string> {
  try {
    if ((await hashFile(target)) === sha256) return target;
    await rm(target, { force: true });
  } catch {
    // Not there yet: fetch it below.
  }
  const spooled = await spool(await input.download(), input.tmpDir);
  try {
    if (spooled.sha256 !== sha256) throw new ArtifactIntegrityError(`artifact ${sha256} in ${input.location} does not match its hash (its content hashes to ${spooled.sha256})`);
    await settle(spooled.file, target);
  } finally {
    await rm(spooled.file, { force: true });
  }
  return target;
}
