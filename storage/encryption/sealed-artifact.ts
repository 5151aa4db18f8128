import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DecryptionError, openWith, sealWith, type Keyring } from './keyring.js';

/**
 * The at-rest form of an artifact (envelope encryption): a fresh 256-bit data key per artifact, sealed
 * under the keyring's active key, then the content in AES-256-GCM chunks under the data key. The artifact's
 * address (the sha256 of its plaintext) and each chunk's index are bound into every chunk, and the last
 * chunk is marked, so a chunk moved, dropped, reordered or cut off never decrypts.
 *
 *   "CSEAL1" | u8 keyIdLength | keyId | u16 sealedKeyLength | sealed data key
 *   then per chunk: u8 last (0|1) | u32 sealedLength | iv ‖ ciphertext ‖ tag
 */
const MAGIC = Buffer.from('CSEAL1');
const CHUNK_BYTES = 64 * 1024;
/** A sealed chunk is never longer than this: a larger length field is corruption, not a reason to buffer. */
const MAX_SEALED_CHUNK = CHUNK_BYTES + 12 + 16;

const keyContext = (address: string) => `custody artifact key ${address}`;
const chunkContext = (address: string, index: number, last: boolean) => `custody artifact ${address} chunk ${index}${last ? ' last' : ''}`;

/** A Transform that seals the plaintext of the artifact at `address` as it streams through. */
export function sealingStream(keyring: Keyring, address: string): Transform {
  const dataKey = randomBytes(32);
  const { keyId, sealed } = keyring.seal(dataKey, keyContext(address));
  const id = Buffer.from(keyId, 'utf8');
  const header = Buffer.concat([MAGIC, Buffer.from([id.length]), id, u16(sealed.length), sealed]);
  let pending = Buffer.alloc(0);
  let index = 0;
  const chunk = (plain: Buffer, last: boolean) => {
    const body = sealWith(dataKey, plain, chunkContext(address, index++, last));
    return Buffer.concat([Buffer.from([last ? 1 : 0]), u32(body.length), body]);
  };
  let headerSent = false;
  const withHeader = (out: Buffer) => (headerSent ? out : ((headerSent = true), Buffer.concat([header, out])));
  return new Transform({
    transform(data: Buffer, _encoding, done: TransformCallback) {
      pending = Buffer.concat([pending, data]);
      const out: Buffer[] = [];
      // Keep one chunk back: only at the end is it known which chunk is the last.
      while (pending.length > CHUNK_BYTES) {
        out.push(chunk(pending.subarray(0, CHUNK_BYTES), false));
        pending = pending.subarray(CHUNK_BYTES);
      }
      done(null, out.length > 0 ? withHeader(Buffer.concat(out)) : undefined);
    },
    flush(done: TransformCallback) {
      done(null, withHeader(chunk(pending, true)));
    },
  });
}

/** The whole sealed form of a small artifact, in memory. */
export function sealBytes(keyring: Keyring, address: string, plaintext: Uint8Array): Promise<Buffer> {
  return collect(sealingStream(keyring, address), Buffer.from(plaintext));
}

/**
 * A Transform that opens what `sealingStream` wrote for `address`. Fails with DecryptionError on an unknown
 * key, the wrong key, altered or truncated content, or content sealed for another address. Content that is
 * not in the sealed form (stored before encryption was turned on) passes through as it is: the caller
 * checks every plaintext against its address either way.
 */
export function openingStream(keyring: Keyring, address: string): Transform {
  let plain = false;
  let buffered = Buffer.alloc(0);
  let dataKey: Buffer | null = null;
  let index = 0;
  let ended = false;
  const fail = (message: string) => new DecryptionError(`artifact ${address}: ${message}`);
  const prefixed = <T>(open: () => T): T => {
    try {
      return open();
    } catch (error) {
      throw error instanceof DecryptionError ? fail(error.message) : error;
    }
  };
  const readHeader = (): boolean => {
    if (buffered.length < MAGIC.length + 1) return false;
    const idLength = buffered[MAGIC.length]!;
    const keyStart = MAGIC.length + 1 + idLength + 2;
    if (buffered.length < keyStart) return false;
    const keyId = buffered.subarray(MAGIC.length + 1, MAGIC.length + 1 + idLength).toString('utf8');
    const keyLength = buffered.readUInt16BE(keyStart - 2);
    if (buffered.length < keyStart + keyLength) return false;
    dataKey = prefixed(() => keyring.open(keyId, buffered.subarray(keyStart, keyStart + keyLength), keyContext(address)));
    buffered = buffered.subarray(keyStart + keyLength);
    return true;
  };
  const readChunk = (): Buffer | null => {
    if (buffered.length < 5) return null;
    const last = buffered[0] === 1;
    const length = buffered.readUInt32BE(1);
    if (length > MAX_SEALED_CHUNK) throw fail('has a damaged chunk header');
    if (buffered.length < 5 + length) return null;
    if (ended) throw fail('has data after its last chunk');
    const plain = prefixed(() => openWith(dataKey!, buffered.subarray(5, 5 + length), chunkContext(address, index++, last), "the artifact's data key"));
    buffered = buffered.subarray(5 + length);
    ended = last;
    return plain;
  };
  return new Transform({
    transform(data: Buffer, _encoding, done: TransformCallback) {
      if (plain) return done(null, data);
      try {
        buffered = Buffer.concat([buffered, data]);
        if (!dataKey && isPlain(buffered, false)) {
          plain = true;
          return done(null, buffered);
        }
        if (!dataKey && !readHeader()) return done();
        const out: Buffer[] = [];
        for (let plain = readChunk(); plain; plain = readChunk()) out.push(plain);
        done(null, out.length > 0 ? Buffer.concat(out) : undefined);
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      if (plain) return done();
      if (!dataKey && isPlain(buffered, true)) return done(null, buffered);
      done(ended && buffered.length === 0 ? null : fail(ended ? 'has data after its last chunk' : 'is truncated'));
    },
  });
}

/** Whether content starting with `head` is not in the sealed form; undecided (false) while a prefix of the magic, unless `complete`. */
function isPlain(head: Buffer, complete: boolean): boolean {
  const n = Math.min(head.length, MAGIC.length);
  if (!head.subarray(0, n).equals(MAGIC.subarray(0, n))) return true;
  return complete && head.length < MAGIC.length;
}

/** The plaintext of a sealed artifact held in memory. */
export function openBytes(keyring: Keyring, address: string, sealed: Uint8Array): Promise<Buffer> {
  return collect(openingStream(keyring, address), Buffer.from(sealed));
}

async function collect(stream: Transform, input: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  stream.on('data', (part: Buffer) => parts.push(part));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  stream.end(input);
  await done;
  return Buffer.concat(parts);
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
