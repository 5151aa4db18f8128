import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ArtifactIntegrityError, contentKey, settle, SHA256, spool, verifiedCopy, type ArtifactStore, type ObjectBackend, type StoredArtifact, type StoredEntry } from './artifact-store.js';

export interface S3Settings {
  bucket: string;
  /** Empty, or a key prefix ending in a slash. */
  prefix: string;
  region: string;
  /** A self-hosted server's URL; AWS itself when absent. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Keys from the environment; absent, the AWS SDK's own chain applies (a profile, an instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Local copies of what code reads as files (profiling, training, command models), each verified once. */
  cacheDir: string;
}

const PART_BYTES = 8 * 1024 * 1024;

const isMissing = (error: unknown) => error instanceof S3ServiceException && (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404);

/**
 * The store in an S3-compatible bucket, under `sha256/ab/<hash>` keys. Content is spooled to a local
 * file while hashing (the key is its hash), then uploaded in parts, never held whole in memory; content
 * already there is not sent again. Reads check the hash of what arrived. Credentials are AWS_ACCESS_KEY_ID
 * and AWS_SECRET_ACCESS_KEY when set, else the AWS SDK's standard chain (a profile, the instance's role).
 */
export class S3ArtifactStore implements ArtifactStore, ObjectBackend {
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    this.client = new S3Client({ region: settings.region, endpoint: settings.endpoint, forcePathStyle: settings.forcePathStyle, credentials: settings.credentials });
  }

  get location(): string {
    return `s3://${this.settings.bucket}/${this.settings.prefix}`;
  }

  private key(sha256: string): string {
    return `${this.settings.prefix}${contentKey(sha256)}`;
  }

  private cachePath(sha256: string): string {
    return path.join(this.settings.cacheDir, ...contentKey(sha256).split('/'));
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async putFile(file: string): Promise<StoredArtifact> {
    return await this.putStream(createReadStream(file));
  }

  async putStream(source: Readable): Promise<StoredArtifact> {
    const spooled = await spool(source, path.join(this.settings.cacheDir, 'tmp'));
    try {
      if (!(await this.has(spooled.sha256))) {
        const upload = new Upload({ client: this.client, params: { Bucket: this.settings.bucket, Key: this.key(spooled.sha256), Body: createReadStream(spooled.file) }, partSize: PART_BYTES, queueSize: 2 });
        await upload.done();
      }
      await settle(spooled.file, this.cachePath(spooled.sha256));
    } finally {
      await rm(spooled.file, { force: true });
    }
    return { sha256: spooled.sha256, sizeBytes: spooled.sizeBytes };
  }

  async putBytes(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (!(await this.has(sha256))) await this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256), Body: bytes, ContentLength: bytes.byteLength }));
    return { sha256, sizeBytes: bytes.byteLength };
  }

  async read(sha256: string): Promise<Buffer> {
    const bytes = Buffer.from(await this.checked(sha256, async () => await (await this.get(sha256)).transformToByteArray()));
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new ArtifactIntegrityError(`artifact ${sha256} in ${this.location} does not match its hash`);
    return bytes;
  }

  /** A copy in the local cache, checked against its address each time it is used (not only when downloaded). */
  async withLocalFile<T>(sha256: string, use: (file: string) => Promise<T>): Promise<T> {
    // The SDK checks the server's checksum as the body streams: a mismatch surfaces while the copy is written.
    const file = await this.checked(sha256, () =>
      verifiedCopy(this.cachePath(sha256), sha256, {
        tmpDir: path.join(this.settings.cacheDir, 'tmp'),
        location: this.location,
        download: async () => (await this.get(sha256)) as unknown as Readable,
      }),
    );
    return await use(file);
  }

  async discard(sha256: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
    await rm(this.cachePath(sha256), { force: true });
  }

  async writeObject(sha256: string, source: Readable): Promise<void> {
    await new Upload({ client: this.client, params: { Bucket: this.settings.bucket, Key: this.key(sha256), Body: source }, partSize: PART_BYTES, queueSize: 2 }).done();
  }

  async readObject(sha256: string): Promise<Readable> {
    return (await this.get(sha256)) as unknown as Readable;
  }

  async *list(): AsyncIterable<StoredEntry> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: `${this.settings.prefix}sha256/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const sha256 = object.Key?.split('/').pop() ?? '';
        if (SHA256.test(sha256)) yield { sha256, sizeBytes: object.Size ?? 0, storedAt: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Runs a download, turning the SDK's own checksum failure (the server's CRC of the object) into ours. */
  private async checked<T>(sha256: string, download: () => Promise<T>): Promise<T> {
    try {
      return await download();
    } catch (error) {
      if (error instanceof Error && /checksum mismatch/i.test(error.message)) throw new ArtifactIntegrityError(`artifact ${sha256} in ${this.location} does not match its hash (${error.message})`);
      throw error;
    }
  }

  private async get(sha256: string) {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
      return answer.Body!;
    } catch (error) {
      if (isMissing(error)) throw new ArtifactIntegrityError(`artifact ${sha256} is missing from ${this.location}`);
      throw error;
    }
  }
}
