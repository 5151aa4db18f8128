import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_FORMAT,
  BundleError,
  generateSigningKey,
  keyIdOf,
  publicJwk,
  readBundle,
  readBundleDirectory,
  signingKeyFrom,
  trustedKeys,
  verifyBundle,
  writeBundle,
  type BundleFile,
  type PublicJwk,
  type SigningKey,
} from '../../bundle/format.js';

/**
 * The signed bundle format, end to end on bytes: what is written reads back and verifies, byte for byte the same
 * each time; and every change to a bundle (a byte of any member, of the gzip stream, a member added, removed,
 * linked or placed outside) is refused with a BundleError naming what is at fault. The archives the attacks need
 * are built here with tar-stream and read with a tar header parser of the test's own, not the module's.
 */

/** An Ed25519 private key in PKCS#8 PEM from a fixed seed, so that every run writes the same bundle bytes. */
function seededPem(seed: number): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, seed)]);
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
}
const pem = seededPem(1);
const key = signingKeyFrom(pem);
const other = signingKeyFrom(seededPem(2));
const trusted = [publicJwk(key)];
const meta = { model: 'iris', version: 3, custodyVersion: '0.1.0' };
const text = (value: string) => new TextEncoder().encode(value);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A model version's files, given out of path order. */
const modelFiles = (): BundleFile[] => [
  { path: 'model.onnx', bytes: Uint8Array.from({ length: 300 }, (_, i) => (i * 73 + 11) & 0xff) },
  { path: 'card/model-card.md', bytes: text('# iris v3\n\nA logistic regression.\n') },
  { path: 'model/artifact.json', bytes: text('{"kind":"built-in"}') },
];
const bundle = await writeBundle(modelFiles(), meta, key);

const work = mkdtempSync(path.join(os.tmpdir(), 'custody-bundle-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A tar member as its ustar header says, with where its content starts in the archive. */
interface TarHeader {
  name: string;
  typeflag: string;
  offset: number;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  uname: string;
  gname: string;
}

/** The members of an uncompressed ustar archive, read from their headers. */
function tarHeaders(tar: Buffer): TarHeader[] {
  const headers: TarHeader[] = [];
  for (let at = 0; at + 512 <= tar.length && tar.subarray(at, at + 512).some((b) => b !== 0); ) {
    const field = (start: number, length: number) => tar.toString('utf8', at + start, at + start + length).replace(/\0[\s\S]*$/, '');
    const octal = (start: number, length: number) => parseInt(field(start, length).trim() || '0', 8);
    const prefix = field(345, 155);
    const size = octal(124, 12);
    headers.push({
      name: prefix ? `${prefix}/${field(0, 100)}` : field(0, 100),
      typeflag: field(156, 1),
      offset: at + 512,
      size,
      mode: octal(100, 8),
      uid: octal(108, 8),
      gid: octal(116, 8),
      mtime: octal(136, 12),
      uname: field(265, 32),
      gname: field(297, 32),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return headers;
}

/** A member to pack into a hand-made archive. */
interface Member {
  name: string;
  bytes?: Uint8Array;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

/** The members of a bundle, with their content. */
function membersOf(bytes: Uint8Array): Member[] {
  const tar = gunzipSync(bytes);
  return tarHeaders(tar).map((h) => ({ name: h.name, bytes: tar.subarray(h.offset, h.offset + h.size) }));
}

/** A .tar.gz of the members, packed by tar-stream directly (no checks of the module's). */
async function tarGz(members: Member[]): Promise<Uint8Array> {
  const packer = pack();
  for (const m of members) {
    const header = { name: m.name, type: m.type ?? 'file', linkname: m.linkname, mtime: new Date(0) };
    if (m.bytes) packer.entry(header, m.bytes);
    else packer.entry(header);
  }
  packer.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packer) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** The bundle with one byte of `name`'s content flipped (XOR 1), found in the archive after gunzip, then gzipped again. */
function withFlippedByte(tar: Buffer, name: string, at: number): Uint8Array {
  const header = tarHeaders(tar).find((h) => h.name === name)!;
  const copy = Buffer.from(tar);
  copy[header.offset + at] ^= 0x01;
  return gzipSync(copy);
}

/** How reading and verifying `bytes` fails: the BundleError (the test fails when it is accepted, or fails otherwise). */
async function refusal(bytes: Uint8Array, keys: PublicJwk[] = trusted, options?: { maxBytes?: number }): Promise<BundleError> {
  const outcome = await readBundle(bytes, options)
    .then((read) => verifyBundle(read, keys))
    .catch((error: unknown) => error);
  expect(outcome).toBeInstanceOf(BundleError);
  return outcome as BundleError;
}

/** What `run` throws, which must be a BundleError. */
function thrown(run: () => unknown): BundleError {
  let error: unknown = null;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(BundleError);
  return error as BundleError;
}

describe('writing and reading a bundle', () => {
  it('reads back what was written, and verifies with the signing key', async () => {
    const read = await readBundle(bundle);
    expect(verifyBundle(read, trusted)).toEqual({ manifest: read.manifest, keyId: key.keyId });
    expect(read.manifest).toEqual({
      format: BUNDLE_FORMAT,
      ...meta,
      keyId: key.keyId,
      files: ['card/model-card.md', 'model.onnx', 'model/artifact.json'].map((p) => {
        const bytes = modelFiles().find((f) => f.path === p)!.bytes;
        return { path: p, sha256: sha256(bytes), sizeBytes: bytes.length };
      }),
    });
    expect(new Map([...read.files].map(([p, b]) => [p, Buffer.from(b).toString('hex')]))).toEqual(new Map(modelFiles().map((f) => [f.path, Buffer.from(f.bytes).toString('hex')])));
    expect(read.signature).toMatchObject({ alg: 'Ed25519', keyId: key.keyId });
  });

  it('writes the same bytes for the same files, in any order', async () => {
    expect(Buffer.from(await writeBundle(modelFiles(), meta, key)).equals(bundle)).toBe(true);
    expect(Buffer.from(await writeBundle(modelFiles().reverse(), meta, key)).equals(bundle)).toBe(true);
    expect(Buffer.from(await writeBundle(modelFiles(), { ...meta, version: 4 }, key)).equals(bundle)).toBe(false);
  });

  it('writes its members in a fixed order with fixed owners, modes and times, under a gzip header with no time or name', () => {
    expect([...bundle.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    const headers = tarHeaders(gunzipSync(bundle));
    expect(headers.map((h) => h.name)).toEqual(['manifest.json', 'manifest.sig', 'card/model-card.md', 'model.onnx', 'model/artifact.json']);
    for (const h of headers) expect(h).toMatchObject({ typeflag: '0', mode: 0o644, uid: 0, gid: 0, mtime: 0, uname: '', gname: '' });
  });

  it('signs the exact bytes of manifest.json', () => {
    const [manifest, signature] = membersOf(bundle);
    const sig = JSON.parse(Buffer.from(signature!.bytes!).toString('utf8')) as { signature: string };
    expect(verify(null, manifest!.bytes!, key.publicKey, Buffer.from(sig.signature, 'base64'))).toBe(true);
  });

  it.each([
    ['/etc/passwd', /absolute/],
    ['C:/model.onnx', /absolute/],
    ['../x', /'\.\.' segment/],
    ['card/../../x', /'\.\.' segment/],
    ['card\\model.md', /forward slashes/],
    ['card//model.md', /empty segment/],
    ['card/', /empty segment/],
    ['', /empty path/],
    ['./model.onnx', /'\.' segment/],
    ['manifest.json', /keeps for its own manifest/],
    ['manifest.sig', /keeps for its own manifest/],
  ])('refuses to write the path %j, naming it', async (bad, why) => {
    const error = await writeBundle([...modelFiles(), { path: bad, bytes: text('x') }], meta, key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).file).toBe(bad);
    expect((error as BundleError).message).toMatch(why);
  });

  it('refuses to write a path given twice, or a file that is also a folder', async () => {
    const twice = await writeBundle([...modelFiles(), { path: 'model.onnx', bytes: text('again') }], meta, key).catch((e: unknown) => e);
    expect(twice).toMatchObject({ file: 'model.onnx', message: 'model.onnx: given twice' });
    const folder = await writeBundle([...modelFiles(), { path: 'card', bytes: text('x') }], meta, key).catch((e: unknown) => e);
    expect(folder).toMatchObject({ file: 'card', message: 'card: is a file and also the folder of card/model-card.md' });
  });
});

describe('a changed byte', () => {
  const tar = gunzipSync(bundle);
  const sizes = new Map(tarHeaders(tar).map((h) => [h.name, h.size]));

  it.each(['model.onnx', 'card/model-card.md', 'model/artifact.json'])('anywhere in %s fails verification naming it, with both digests', async (name) => {
    const original = membersOf(bundle).find((m) => m.name === name)!.bytes!;
    for (let at = 0; at < sizes.get(name)!; at++) {
      const changed = Buffer.from(original);
      changed[at] ^= 0x01;
      const error = await refusal(withFlippedByte(tar, name, at));
      expect(error.file).toBe(name);
      expect(error.message).toBe(`${name}: sha256 differs from the manifest (expected ${sha256(original).slice(0, 12)}…, actual ${sha256(changed).slice(0, 12)}…)`);
    }
  });

  // A changed manifest.json is refused as manifest.sig when it still parses (its signature no longer matches), and
  // as manifest.json when it no longer parses as a manifest: either way before any of its digests is trusted.
  it('anywhere in manifest.json fails, naming manifest.sig (the signature) or manifest.json (no longer a manifest)', async () => {
    const named = new Set<string | null>();
    for (let at = 0; at < sizes.get('manifest.json')!; at++) named.add((await refusal(withFlippedByte(tar, 'manifest.json', at))).file);
    expect([...named].sort()).toEqual(['manifest.json', 'manifest.sig']);
  });

  it('in manifest.json that leaves it a valid manifest fails the signature', async () => {
    const manifest = membersOf(bundle).find((m) => m.name === 'manifest.json')!.bytes!;
    const at = Buffer.from(manifest).indexOf('"iris"') + 1; // iris → hris
    const error = await refusal(withFlippedByte(tar, 'manifest.json', at));
    expect(error).toMatchObject({ file: 'manifest.sig', message: expect.stringMatching(/^manifest\.sig: the signature does not match manifest\.json/) });
  });

  it('anywhere in manifest.sig fails, naming it', async () => {
    for (let at = 0; at < sizes.get('manifest.sig')!; at++) expect((await refusal(withFlippedByte(tar, 'manifest.sig', at))).file).toBe('manifest.sig');
  });

  // Bytes 4-9 of a gzip header (time, extra flags, operating system) are informational: no reader checks them. And
  // deflate can spell a run of zeros (the tar's padding and end) more than one way: a changed distance that still
  // copies zeros inflates to the very same archive, which is then rightly accepted.
  it('of the gzip stream (its header flags, data or trailer) is a BundleError, not a zlib error, unless it inflates to the same archive', async () => {
    let refused = 0;
    for (let at = 0; at < bundle.length; at++) {
      if (at >= 4 && at <= 9) continue;
      const changed = Buffer.from(bundle);
      changed[at] ^= 0xff;
      const error = await readBundle(changed).then(() => null, (e: unknown) => e);
      if (error === null) {
        expect(gunzipSync(changed).equals(tar), `byte ${at} was accepted`).toBe(true);
        continue;
      }
      refused += 1;
      expect(error, `byte ${at}`).toBeInstanceOf(BundleError);
      expect((error as BundleError).message).toMatch(/^the bundle is not a readable \.tar\.gz: /);
      expect((error as BundleError).file).toBeNull();
    }
    expect(refused).toBeGreaterThan((bundle.length - 6) * 0.98);
  });

  it('a truncated bundle is a BundleError', async () => {
    const error = await readBundle(bundle.subarray(0, bundle.length - 20)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
  });

  it('a gzip stream that inflates far past maxBytes is stopped, not inflated whole', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const error = await readBundle(bomb, { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ file: null, message: expect.stringMatching(/^the bundle is more than \d+ bytes once uncompressed/) });
  });
});

describe('a changed archive', () => {
  const members = membersOf(bundle);
  const without = (name: string) => members.filter((m) => m.name !== name);

  it('with an extra member fails verification naming it', async () => {
    const error = await refusal(await tarGz([...members, { name: 'extra.txt', bytes: text('hello') }]));
    expect(error).toMatchObject({ file: 'extra.txt', message: 'extra.txt: not listed in the manifest' });
  });

  it('with a member missing fails verification naming it', async () => {
    const error = await refusal(await tarGz(without('model.onnx')));
    expect(error).toMatchObject({ file: 'model.onnx', message: 'model.onnx: listed in the manifest but missing' });
  });

  it.each([
    [{ name: 'link', type: 'symlink', linkname: 'model.onnx' } as Member, /^link: is a symbolic link; a bundle holds only regular files and directories$/],
    [{ name: 'card/hard', type: 'link', linkname: 'model.onnx' } as Member, /^card\/hard: is a hard link/],
    [{ name: '../x', bytes: text('escape') } as Member, /^\.\.\/x: has a '\.\.' segment$/],
    [{ name: '/tmp/x', bytes: text('escape') } as Member, /^\/tmp\/x: an absolute path/],
    [{ name: 'model.onnx', bytes: text('second') } as Member, /^model\.onnx: is in the bundle twice$/],
  ])('with the member %o is refused on reading, naming it', async (member, message) => {
    const error = await readBundle(await tarGz([...members, member])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect(error).toMatchObject({ file: member.name, message: expect.stringMatching(message) });
  });

  it('with more than 1000 entries is refused, naming the first one over', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ name: `many/${i}.txt`, bytes: text(String(i)) }));
    const error = await readBundle(await tarGz([...members, ...many])).catch((e: unknown) => e);
    expect(error).toMatchObject({ file: `many/${1000 - members.length}.txt`, message: expect.stringMatching(/more than 1000 entries/) });
  });

  it('holding more than maxBytes is refused, naming the entry that crosses it', async () => {
    const limit = 1000;
    const totals = members.map((_, i) => members.slice(0, i + 1).reduce((sum, m) => sum + m.bytes!.length, 0));
    const crossing = members[totals.findIndex((total) => total > limit)]!.name;
    const error = await refusal(bundle, trusted, { maxBytes: limit });
    expect(error).toMatchObject({ file: crossing, message: expect.stringMatching(/more than 1000 bytes uncompressed/) });
    await expect(readBundle(bundle, { maxBytes: totals.at(-1) })).resolves.toBeDefined();
    await expect(readBundle(bundle, { maxBytes: totals.at(-1)! - 1 })).rejects.toMatchObject({ file: members.at(-1)!.name });
  });

  it('without manifest.sig, or with a manifest of another format, is refused on reading', async () => {
    await expect(readBundle(await tarGz(without('manifest.sig')))).rejects.toMatchObject({ file: 'manifest.sig', message: expect.stringMatching(/^manifest\.sig: missing/) });
    const manifest = JSON.parse(Buffer.from(members[0]!.bytes!).toString('utf8')) as Record<string, unknown>;
    const later = [{ name: 'manifest.json', bytes: text(JSON.stringify({ ...manifest, format: 'custody-bundle/2' })) }, ...without('manifest.json')];
    await expect(readBundle(await tarGz(later))).rejects.toMatchObject({ file: 'manifest.json', message: 'manifest.json: format is "custody-bundle/2", expected "custody-bundle/1"' });
    const notJson = [{ name: 'manifest.json', bytes: text('{"format":') }, ...without('manifest.json')];
    await expect(readBundle(await tarGz(notJson))).rejects.toMatchObject({ file: 'manifest.json', message: expect.stringMatching(/^manifest\.json: is not valid JSON/) });
  });

  it('as GNU tar packs it (./ names, directory entries) reads and verifies', async () => {
    const dir = path.join(work, 'gnu');
    mkdirSync(dir);
    writeFileSync(path.join(work, 'gnu.tar.gz'), bundle);
    execFileSync('tar', ['-xzf', path.join(work, 'gnu.tar.gz'), '-C', dir]);
    execFileSync('tar', ['-czf', path.join(work, 'repacked.tar.gz'), '-C', dir, '.']);
    const read = await readBundle(readFileSync(path.join(work, 'repacked.tar.gz')));
    expect(verifyBundle(read, trusted).keyId).toBe(key.keyId);
    expect([...read.files.keys()].sort()).toEqual(['card/model-card.md', 'model.onnx', 'model/artifact.json']);
  });
});

describe('an extracted bundle directory', () => {
  /** The bundle unpacked by GNU tar into a fresh directory. */
  function extracted(name: string): string {
    const dir = path.join(work, name);
    mkdirSync(dir);
    writeFileSync(`${dir}.tar.gz`, bundle);
    execFileSync('tar', ['-xzf', `${dir}.tar.gz`, '-C', dir]);
    return dir;
  }

  it('reads and verifies as its .tar.gz does', async () => {
    const read = await readBundleDirectory(extracted('dir-ok'));
    expect(verifyBundle(read, trusted).keyId).toBe(key.keyId);
    expect(Buffer.from(read.files.get('model.onnx')!).equals(Buffer.from(modelFiles()[0]!.bytes))).toBe(true);
  });

  it('with a symbolic link is refused, naming it', async () => {
    const dir = extracted('dir-link');
    symlinkSync('/etc/passwd', path.join(dir, 'card', 'passwd'));
    await expect(readBundleDirectory(dir)).rejects.toMatchObject({ file: 'card/passwd', message: expect.stringMatching(/symbolic link/) });
  });

  it('with an extra file fails verification naming it', async () => {
    const dir = extracted('dir-extra');
    writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    const read = await readBundleDirectory(dir);
    expect(thrown(() => verifyBundle(read, trusted))).toMatchObject({ file: 'notes.txt', message: 'notes.txt: not listed in the manifest' });
  });
});

describe('keys', () => {
  it('a bundle signed by another key is refused, naming both keys', async () => {
    const error = await refusal(await writeBundle(modelFiles(), meta, other));
    expect(error).toMatchObject({ file: 'manifest.sig', message: `manifest.sig: signed by key ${other.keyId}, which is not among the trusted keys (${key.keyId})` });
  });

  it("a bundle signed by another key under a trusted key's id fails the signature", async () => {
    const forged: SigningKey = { keyId: key.keyId, privateKey: other.privateKey, publicKey: key.publicKey };
    const error = await refusal(await writeBundle(modelFiles(), meta, forged));
    expect(error).toMatchObject({ file: 'manifest.sig', message: expect.stringMatching(/^manifest\.sig: the signature does not match manifest\.json/) });
  });

  it('trusted keys given as a JWKS, its JSON text, a single JWK or PEM verify the bundle', async () => {
    const read = await readBundle(bundle);
    const pemText = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const source of [{ keys: [publicJwk(other), publicJwk(key)] }, JSON.stringify({ keys: [publicJwk(key)] }), publicJwk(key), pemText, `${otherPem}\n${pemText}`]) {
      expect(verifyBundle(read, trustedKeys(source)).keyId).toBe(key.keyId);
    }
    expect(() => verifyBundle(read, trustedKeys(otherPem))).toThrow(/not among the trusted keys/);
    const { kid: _kid, alg: _alg, use: _use, ...bare } = publicJwk(key);
    expect(trustedKeys({ keys: [bare] })).toEqual([publicJwk(key)]);
  });

  it('trusted keys refuse what is not an Ed25519 public key, saying why', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cases: [unknown, RegExp][] = [
      [pem, /PEM block 1 is a PRIVATE KEY; give public keys only/],
      [rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(), /PEM block 1 is a key of type rsa/],
      [{ keys: [{ ...publicJwk(key), kid: other.keyId }] }, /keys\[0\]: kid .* is not this key's id/],
      [{ keys: [{ ...publicJwk(key), d: 'secret' }] }, /keys\[0\]: holds a private key/],
      [{ ...publicJwk(key), x: publicJwk(key).x.slice(1) }, /the JWK: x must be the unpadded base64url of a 32-byte/],
      [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }, /is a "EC"\/"P-256" key/],
      [{ keys: [] }, /none given/],
      ['hello', /neither JSON .* nor PEM/],
      [42, /not a number/],
    ];
    for (const [source, message] of cases) expect(() => trustedKeys(source), String(message)).toThrow(message);
  });

  it("a key's id is base64url of the first 16 bytes of the sha256 of its raw public key", () => {
    const raw = key.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
    expect(keyIdOf(key.publicKey)).toBe(createHash('sha256').update(raw).digest().subarray(0, 16).toString('base64url'));
    expect(key.keyId).toHaveLength(22);
    expect(publicJwk(key)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url'), kid: key.keyId, alg: 'EdDSA', use: 'sig' });
  });

  it('signingKeyFrom reads the Ed25519 PKCS#8 PEM that generateSigningKey makes', () => {
    const generated = generateSigningKey();
    const read = signingKeyFrom(generated.pem);
    expect(read.keyId).toBe(generated.key.keyId);
    expect(publicJwk(read)).toEqual(publicJwk(generated.key));
    expect(read.keyId).not.toBe(generateSigningKey().key.keyId);
  });

  it('signingKeyFrom refuses an RSA key and garbage, naming the variable and never quoting the text', () => {
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rsaPkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const mangled = pem.replace(/\n[A-Za-z0-9+/]{8}/, '\nAAAAAAAA');
    const cases: [string, string | undefined, RegExp][] = [
      [rsaPem, undefined, /^CUSTODY_SIGNING_KEY: holds a key of type rsa; bundles are signed with Ed25519 only/],
      [rsaPkcs1, 'SIGNING_KEY_FILE', /^SIGNING_KEY_FILE: holds a key of type rsa/],
      ['not a key at all, just some text', undefined, /^CUSTODY_SIGNING_KEY: is not a PEM private key/],
      [mangled, undefined, /^CUSTODY_SIGNING_KEY: could not be read as a private key/],
      ['', undefined, /^CUSTODY_SIGNING_KEY: is empty/],
    ];
    for (const [text, variable, message] of cases) {
      const error = thrown(() => signingKeyFrom(text, variable));
      expect((error as BundleError).message).toMatch(message);
      const body = text.split('\n').filter((line) => line.length > 8 && !line.startsWith('-----'));
      for (const line of body.length ? body : [text].filter(Boolean)) expect((error as BundleError).message).not.toContain(line);
    }
  });
});
