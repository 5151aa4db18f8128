import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { BundleError } from './bundle-error.js';

/** One file to pack: its path inside the archive and its content. */
export interface TarFile {
  path: string;
  bytes: Uint8Array;
}

/** One entry of an archive as its header declares it, with a way to read its content. */
export interface TarEntry {
  name: string;
  type: string;
  size: number;
  read(): Promise<Buffer>;
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** RFC 1952's "unknown" operating system: zlib would write the platform's code, and the bytes would differ by platform. */
const GZIP_OS_UNKNOWN = 0xff;
const GZIP_OS_OFFSET = 9;

/**
 * Packs files, in the order given, into .tar.gz bytes that depend on nothing but the files (for a given zlib, so a
 * given Node): regular files with mtime 0, mode 0644, uid and gid 0 and no user or group names, and a gzip header
 * without a time or a file name, with a fixed operating system byte.
 */
export async function packTarGz(files: TarFile[]): Promise<Uint8Array> {
  const packer = pack();
  for (const file of files) {
    packer.entry({ name: file.path, type: 'file', size: file.bytes.byteLength, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' }, file.bytes);
  }
  packer.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packer) chunks.push(chunk as Buffer);
  const gzipped = await gzipAsync(Buffer.concat(chunks), { level: 9 });
  gzipped[GZIP_OS_OFFSET] = GZIP_OS_UNKNOWN;
  return new Uint8Array(gzipped.buffer, gzipped.byteOffset, gzipped.byteLength);
}

/**
 * The tar archive inside gzip bytes, at most `maxBytes` long. A stream zlib cannot read (corrupt, truncated, with
 * a wrong checksum) or one longer than that is a BundleError, not zlib's error.
 */
export async function gunzipTar(bytes: Uint8Array, maxBytes: number): Promise<Buffer> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new BundleError(`the bundle is more than ${maxBytes} bytes once uncompressed, more than it may hold`, null);
    throw new BundleError(`the bundle is not a readable .tar.gz: its gzip stream is corrupt or truncated (${(error as Error).message})`, null);
  }
}

/**
 * The entries of a tar archive, in order, each with its header's name, type and size; its content is read only
 * when asked for. A malformed archive is a BundleError. Stopping early releases the rest.
 */
export async function* tarEntries(tar: Buffer): AsyncGenerator<TarEntry> {
  const extractor = extract();
  // The iterator listens for entries, so it must exist before the archive is written in.
  const entries = extractor[Symbol.asyncIterator]();
  extractor.end(tar);
  try {
    for await (const entry of { [Symbol.asyncIterator]: () => entries }) {
      yield { name: entry.header.name, type: entry.header.type, size: entry.header.size, read: () => contentOf(entry) };
    }
  } catch (error) {
    throw malformed(error);
  }
}

/** An entry's content (the entry is a stream of its chunks). */
async function contentOf(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of entry) chunks.push(chunk as Buffer);
  } catch (error) {
    throw malformed(error);
  }
  return Buffer.concat(chunks);
}

function malformed(error: unknown): BundleError {
  return error instanceof BundleError ? error : new BundleError(`the bundle is not a readable .tar.gz: the tar archive inside is malformed (${(error as Error).message})`, null);
}
