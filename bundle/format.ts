import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BundleError } from './bundle-error.js';
import { signatureMatches, signManifest, type PublicJwk, type Signature, type SigningKey } from './signing.js';
import { gunzipTar, packTarGz, tarEntries } from './tar.js';

// The bundle's whole public face is this module: its error and its keys are exported from here too.
export { BundleError } from './bundle-error.js';
export { generateSigningKey, keyIdOf, publicJwk, signingKeyFrom, trustedKeys, type PublicJwk, type Signature, type SigningKey } from './signing.js';

/**
 * A signed model bundle: one .tar.gz holding a model version's files, `manifest.json` (each file's path, size and
 * sha256, and the key that signed it) and `manifest.sig` (an Ed25519 signature over manifest.json's exact bytes).
 * Whoever trusts the signing key can check every byte of a bundle without asking the Custody that wrote it.
 */
export const BUNDLE_FORMAT = 'custody-bundle/1';
/** The members every bundle holds beside its files, at its root; no file of a model version may take these names. */
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

/** A file of a model version; `path` is relative, with forward slashes (`model.onnx`, `card/model-card.md`). */
export interface BundleFile {
  path: string;
  bytes: Uint8Array;
}

/** One file as manifest.json lists it: its path, and the sha256 (lowercase hex) and size of its bytes. */
export interface ManifestEntry {
  path: string;
  sha256: string;
  sizeBytes: number;
}

/** manifest.json: what the bundle is, who signed it, and every file it holds (sorted by path). */
export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  model: string;
  version: number;
  custodyVersion: string;
  keyId: string;
  files: ManifestEntry[];
}

/** A bundle as read, not yet verified: its manifest (and the exact bytes it was signed as), signature and files. */
export interface ReadBundle {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  signature: Signature;
  files: Map<string, Uint8Array>;
}

const MAX_ENTRIES = 1000;
const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
/** What a tar adds to its files' bytes, at most, that a reader still accepts: headers, padding and end records. */
const TAR_OVERHEAD = (MAX_ENTRIES + 1) * 8 * 1024 + 20 * 1024;

const manifestSchema: z.ZodType<Manifest> = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  model: z.string().min(1),
  version: z.number().int().positive(),
  custodyVersion: z.string().min(1),
  keyId: z.string().min(1),
  files: z.array(z.strictObject({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'), sizeBytes: z.number().int().nonnegative() })),
});

const signatureSchema: z.ZodType<Signature> = z.strictObject({ alg: z.literal('Ed25519'), keyId: z.string().min(1), signature: z.string().min(1) });

/**
 * Writes a model version's files as a signed bundle. The same files, metadata and key always give the same bytes:
 * manifest.json and manifest.sig first, then the files in path order, each with mtime 0, mode 0644, uid and gid 0
 * and no user names, gzipped with a fixed header (no time, no name). A path that is absolute, has `..`, `.`, `\`
 * or an empty segment, is manifest.json or manifest.sig, or is given twice is refused with a BundleError naming it.
 */
export async function writeBundle(files: BundleFile[], meta: { model: string; version: number; custodyVersion: string }, key: SigningKey): Promise<Uint8Array> {
  const sorted = checkedFiles(files);
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    model: meta.model,
    version: meta.version,
    custodyVersion: meta.custodyVersion,
    keyId: key.keyId,
    files: sorted.map((file) => ({ path: file.path, sha256: sha256(file.bytes), sizeBytes: file.bytes.byteLength })),
  };
  const problem = schemaProblem(manifestSchema, manifest);
  if (problem) throw new BundleError(`${MANIFEST}: cannot be written: ${problem}`, MANIFEST);
  const manifestBytes = jsonBytes(manifest);
  const signatureBytes = jsonBytes(signManifest(manifestBytes, key));
  return packTarGz([{ path: MANIFEST, bytes: manifestBytes }, { path: SIGNATURE, bytes: signatureBytes }, ...sorted]);
}

/** The files sorted by path, after refusing unsafe, reserved and repeated paths, and a file that is also a folder. */
function checkedFiles(files: BundleFile[]): BundleFile[] {
  const sorted = [...files].sort((a, b) => compare(a.path, b.path));
  const paths = new Set(sorted.map((file) => file.path));
  sorted.forEach((file, index) => {
    const refuse = (why: string) => new BundleError(`${shown(file.path)}: ${why}`, file.path);
    const problem = pathProblem(file.path) ?? (file.path === MANIFEST || file.path === SIGNATURE ? 'is a name the bundle keeps for its own manifest' : null);
    if (problem) throw refuse(problem);
    if (sorted[index + 1]?.path === file.path) throw refuse('given twice');
    const folder = foldersOf(file.path).find((parent) => paths.has(parent));
    if (folder) throw new BundleError(`${folder}: is a file and also the folder of ${shown(file.path)}`, folder);
  });
  return sorted;
}

/** The folders a path lies in: `a/b/c` lies in `a` and `a/b`. */
function foldersOf(memberPath: string): string[] {
  const segments = memberPath.split('/');
  return segments.slice(1).map((_, index) => segments.slice(0, index + 1).join('/'));
}

/**
 * Reads a bundle's .tar.gz bytes, without checking its digests or signature (verifyBundle does). Refuses with a
 * BundleError naming the entry: anything but a regular file or a directory (symbolic and hard links, devices,
 * FIFOs), an unsafe path, an entry given twice, more than 1000 entries, files coming to more than `maxBytes`
 * (2 GiB by default) uncompressed, a missing or unparsable manifest.json or manifest.sig, a manifest of another
 * format or listing an unsafe or repeated path. A corrupt gzip stream or tar archive is a BundleError naming no entry.
 */
export async function readBundle(bytes: Uint8Array, options: { maxBytes?: number } = {}): Promise<ReadBundle> {
  const members = new Members(options.maxBytes ?? DEFAULT_MAX_BYTES);
  const tar = await gunzipTar(bytes, Math.min(members.maxBytes + TAR_OVERHEAD, constants.MAX_LENGTH));
  for await (const entry of tarEntries(tar)) {
    const memberPath = members.admit(entry);
    if (memberPath !== null) members.files.set(memberPath, await entry.read());
  }
  return bundleOf(members.files);
}

/**
 * Reads a bundle extracted into a directory (as a Dockerfile's `COPY . /bundle` leaves it), with readBundle's
 * checks: symbolic links and other special files, unsafe names, too many entries or bytes are refused by name.
 */
export async function readBundleDirectory(dir: string, options: { maxBytes?: number } = {}): Promise<ReadBundle> {
  const members = new Members(options.maxBytes ?? DEFAULT_MAX_BYTES);
  for await (const entry of directoryEntries(dir)) {
    const memberPath = members.admit(entry);
    if (memberPath !== null) members.files.set(memberPath, await readFile(path.join(dir, memberPath)));
  }
  return bundleOf(members.files);
}

/** A bundle entry as the archive or directory declares it, before its content is read. */
interface DeclaredEntry {
  name: string;
  type: string;
  size: number;
}

/** The entries of a bundle admitted so far, refusing each that breaks a rule before its content is read. */
class Members {
  readonly files = new Map<string, Uint8Array>();
  private count = 0;
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** The entry's path in the bundle when it is a file to read, null for a directory; a BundleError when refused. */
  admit(entry: DeclaredEntry): string | null {
    const refuse = (why: string) => new BundleError(`${shown(entry.name)}: ${why}`, entry.name);
    if (++this.count > MAX_ENTRIES) throw refuse(`the bundle has more than ${MAX_ENTRIES} entries`);
    if (entry.type !== 'file' && entry.type !== 'directory') throw refuse(`is ${ENTRY_KINDS.get(entry.type) ?? `an entry of type ${entry.type}`}; a bundle holds only regular files and directories`);
    const memberPath = memberPathOf(entry);
    if (entry.type === 'directory' && (memberPath === '' || memberPath === '.')) return null;
    const problem = pathProblem(memberPath);
    if (problem) throw refuse(problem);
    if (entry.type === 'directory') return null;
    if (this.files.has(memberPath)) throw refuse('is in the bundle twice');
    this.bytes += entry.size;
    if (this.bytes > this.maxBytes) throw refuse(`brings the bundle's files to more than ${this.maxBytes} bytes uncompressed, more than it may hold`);
    return memberPath;
  }
}

/** An entry's path in the bundle: its name without a leading `./` (as `tar -C dir .` writes), nor a directory's final `/`. */
function memberPathOf({ name, type }: DeclaredEntry): string {
  const relative = name.startsWith('./') ? name.slice(2) : name;
  return type === 'directory' && relative.endsWith('/') ? relative.slice(0, -1) : relative;
}

/** What each kind of entry a bundle refuses is, in words. */
const ENTRY_KINDS = new Map([
  ['symlink', 'a symbolic link'],
  ['link', 'a hard link'],
  ['character-device', 'a device'],
  ['block-device', 'a device'],
  ['fifo', 'a FIFO'],
  ['socket', 'a socket'],
]);

/** A directory's entries, depth first in name order, as a tar would list them (names relative, with `/`). */
async function* directoryEntries(root: string, relative = ''): AsyncGenerator<DeclaredEntry> {
  const dirents = await readdir(path.join(root, relative), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new BundleError(`${relative || root}: cannot read the bundle directory (${error.code ?? error.message})`, relative || null);
  });
  for (const dirent of dirents.sort((a, b) => compare(a.name, b.name))) {
    const name = relative ? `${relative}/${dirent.name}` : dirent.name;
    const type = direntType(dirent);
    const size = type === 'file' ? (await lstat(path.join(root, name))).size : 0;
    yield { name, type, size };
    if (type === 'directory') yield* directoryEntries(root, name);
  }
}

/** A directory entry's type, named as a tar names it. */
function direntType(dirent: Dirent): string {
  if (dirent.isFile()) return 'file';
  if (dirent.isDirectory()) return 'directory';
  if (dirent.isSymbolicLink()) return 'symlink';
  if (dirent.isFIFO()) return 'fifo';
  if (dirent.isSocket()) return 'socket';
  return dirent.isBlockDevice() ? 'block-device' : 'character-device';
}

/** The manifest, signature and files of a bundle's members; a missing or unparsable manifest or signature is refused. */
function bundleOf(members: Map<string, Uint8Array>): ReadBundle {
  const manifestBytes = memberBytes(members, MANIFEST);
  const manifest = parseManifest(manifestBytes);
  const signature = parseMember(memberBytes(members, SIGNATURE), SIGNATURE, signatureSchema);
  const files = new Map([...members].filter(([name]) => name !== MANIFEST && name !== SIGNATURE));
  return { manifest, manifestBytes, signature, files };
}

function memberBytes(members: Map<string, Uint8Array>, name: string): Uint8Array {
  const bytes = members.get(name);
  if (!bytes) throw new BundleError(`${name}: missing; every bundle holds ${MANIFEST} and ${SIGNATURE}`, name);
  return bytes;
}

/** manifest.json, refused unless it is of this format and every path it lists is safe and listed once. */
function parseManifest(bytes: Uint8Array): Manifest {
  const json = parseJson(bytes, MANIFEST);
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== BUNDLE_FORMAT) {
    const given = typeof format === 'string' ? JSON.stringify(format.slice(0, 64)) : format === undefined ? 'missing' : `not a string`;
    throw new BundleError(`${MANIFEST}: format is ${given}, expected "${BUNDLE_FORMAT}"`, MANIFEST);
  }
  const manifest = parseMember(bytes, MANIFEST, manifestSchema, json);
  const seen = new Set<string>();
  manifest.files.forEach((entry, index) => {
    const problem = pathProblem(entry.path) ?? (entry.path === MANIFEST || entry.path === SIGNATURE ? 'names the manifest itself' : seen.has(entry.path) ? 'is listed twice' : null);
    if (problem) throw new BundleError(`${MANIFEST}: files[${index}].path ${shown(entry.path)} ${problem}`, MANIFEST);
    seen.add(entry.path);
  });
  return manifest;
}

/** A JSON member checked against its schema; `json` when already parsed. */
function parseMember<T>(bytes: Uint8Array, name: string, schema: z.ZodType<T>, json: unknown = parseJson(bytes, name)): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BundleError(`${name}: ${issuesOf(parsed.error)}`, name);
  return parsed.data;
}

function parseJson(bytes: Uint8Array, name: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BundleError(`${name}: is not UTF-8 text`, name);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BundleError(`${name}: is not valid JSON (${(error as Error).message})`, name);
  }
}

/**
 * Verifies a bundle as read: first that manifest.sig is signed by the key manifest.json names, that key is among
 * `trusted`, and the signature matches manifest.json's exact bytes (a changed manifest.json fails here, named as
 * manifest.sig); then that every file the manifest lists is there with its size and sha256, and that no other
 * file is. The first failure is a BundleError naming the file at fault; success gives the manifest and key id.
 */
export function verifyBundle(bundle: ReadBundle, trusted: PublicJwk[]): { manifest: Manifest; keyId: string } {
  checkSignature(bundle, trusted);
  checkDigests(bundle);
  return { manifest: bundle.manifest, keyId: bundle.signature.keyId };
}

function checkSignature({ manifest, manifestBytes, signature }: ReadBundle, trusted: PublicJwk[]): void {
  const refuse = (why: string) => new BundleError(`${SIGNATURE}: ${why}`, SIGNATURE);
  if (signature.keyId !== manifest.keyId) throw refuse(`signed by key ${signature.keyId}, but ${MANIFEST} names key ${manifest.keyId}`);
  const key = trusted.find((candidate) => candidate.kid === signature.keyId);
  if (!key) throw refuse(`signed by key ${signature.keyId}, which is not among the trusted keys (${trusted.map((k) => k.kid).join(', ') || 'none'})`);
  if (!signatureMatches(manifestBytes, signature.signature, key)) throw refuse(`the signature does not match ${MANIFEST} (changed since it was signed, or signed by another key)`);
}

/**
 * Checks a bundle's files against its manifest alone: every listed file there with its size and sha256, and no
 * other. This proves the bundle whole, not who made it: without the signature check (verifyBundle), whoever
 * changed a file could have changed the manifest too. A BundleError names the first file at fault.
 */
export function checkDigests({ manifest, files }: ReadBundle): void {
  for (const entry of manifest.files) {
    const bytes = files.get(entry.path);
    const refuse = (why: string) => new BundleError(`${shown(entry.path)}: ${why}`, entry.path);
    if (!bytes) throw refuse('listed in the manifest but missing');
    if (bytes.byteLength !== entry.sizeBytes) throw refuse(`${bytes.byteLength} bytes, but the manifest lists ${entry.sizeBytes}`);
    const actual = sha256(bytes);
    if (actual !== entry.sha256) throw refuse(`sha256 differs from the manifest (expected ${entry.sha256.slice(0, 12)}…, actual ${actual.slice(0, 12)}…)`);
  }
  const listed = new Set(manifest.files.map((entry) => entry.path));
  const extra = [...files.keys()].find((name) => !listed.has(name));
  if (extra !== undefined) throw new BundleError(`${shown(extra)}: not listed in the manifest`, extra);
}

/** Why a member path is unsafe (absolute, `\`, a control character, an empty, `.` or `..` segment), or null. */
function pathProblem(memberPath: string): string | null {
  if (memberPath === '') return 'an empty path';
  if (memberPath.startsWith('/') || /^[A-Za-z]:/.test(memberPath)) return 'an absolute path; bundle paths are relative';
  if (memberPath.includes('\\')) return "has a '\\'; bundle paths use forward slashes";
  if (/[\u0000-\u001f\u007f]/.test(memberPath)) return 'has a control character';
  const segments = memberPath.split('/');
  if (segments.includes('')) return 'has an empty segment (a doubled or trailing /)';
  if (segments.includes('..')) return "has a '..' segment";
  if (segments.includes('.')) return "has a '.' segment";
  return null;
}

/** The first few schema issues, each after its field's path. */
function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(the whole document)'}: ${issue.message}`)
    .join('; ');
}

function schemaProblem<T>(schema: z.ZodType<T>, value: T): string | null {
  const parsed = schema.safeParse(value);
  return parsed.success ? null : issuesOf(parsed.error);
}

/** JSON of a manifest or signature as the bundle stores it: two-space indented, with a final newline. */
function jsonBytes(value: Manifest | Signature): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Orders by UTF-16 code units, as the same everywhere (unlike localeCompare). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A path as an error shows it: as is, or quoted when it is empty or holds control characters. */
function shown(name: string): string {
  return name === '' || /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}
