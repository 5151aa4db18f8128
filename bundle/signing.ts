import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { BundleError } from './bundle-error.js';

/** The key a Custody signs bundles with; `keyId` is what a bundle's manifest and signature name it by. */
export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** An Ed25519 public key as a JWK (RFC 8037), with its key id as `kid`: what a verifier is given to trust. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** manifest.sig: who signed manifest.json, and the base64 Ed25519 signature over its exact bytes. */
export interface Signature {
  alg: 'Ed25519';
  keyId: string;
  signature: string;
}

const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const KEY_ID_BYTES = 16;
const MAKE_ONE = 'make one with: openssl genpkey -algorithm ed25519';

/**
 * Reads the signing key from the text of the environment variable `variable`: an Ed25519 private key in PKCS#8 PEM.
 * Anything else is refused with a BundleError naming the variable and why, never quoting the text (it is a secret).
 */
export function signingKeyFrom(pem: string, variable = 'CUSTODY_SIGNING_KEY'): SigningKey {
  const privateKey = privateKeyOf(pem, variable);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new BundleError(`${variable}: holds a key of type ${privateKey.asymmetricKeyType ?? 'unknown'}; bundles are signed with Ed25519 only (${MAKE_ONE})`, null);
  }
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** Parses PEM private key text; the messages say what is wrong without quoting any of it. */
function privateKeyOf(pem: string, variable: string): KeyObject {
  const text = pem.trim();
  if (text === '') throw new BundleError(`${variable}: is empty; it must hold an Ed25519 private key in PKCS#8 PEM (${MAKE_ONE})`, null);
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new BundleError(`${variable}: holds an encrypted private key; give it unencrypted (the variable itself is the secret)`, null);
  }
  if (!/-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(text)) {
    throw new BundleError(`${variable}: is not a PEM private key (it has no -----BEGIN PRIVATE KEY----- line); it must hold an Ed25519 private key in PKCS#8 PEM`, null);
  }
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new BundleError(`${variable}: could not be read as a private key (what lies between its BEGIN and END lines is not a valid key)`, null);
  }
}

/** A fresh Ed25519 signing key, for tests and for a development stack, with its PKCS#8 PEM (what CUSTODY_SIGNING_KEY holds). */
export function generateSigningKey(): { key: SigningKey; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key: { keyId: keyIdOf(publicKey), privateKey, publicKey }, pem };
}

/**
 * The id of an Ed25519 key: base64url (no padding) of the first 16 bytes of the sha256 of its raw 32-byte public
 * key. Derived from the key alone, so a signer and a verifier agree on it without being told.
 */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest().subarray(0, KEY_ID_BYTES).toString('base64url');
}

/** The raw 32 bytes of an Ed25519 public key (given the public key, or the private key it belongs to). */
function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new BundleError(`a key of type ${publicKey.asymmetricKeyType ?? key.type} has no bundle key id; bundles are signed with Ed25519 only`, null);
  }
  return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
}

/** The public half of a signing key (or an Ed25519 key object) as the JWK a verifier trusts. */
export function publicJwk(key: SigningKey | KeyObject): PublicJwk {
  const publicKey = key instanceof KeyObject ? key : key.publicKey;
  const x = rawPublicKey(publicKey).toString('base64url');
  return { kty: 'OKP', crv: 'Ed25519', x, kid: keyIdOf(publicKey), alg: 'EdDSA', use: 'sig' };
}

/**
 * The keys a verifier trusts, from a JWKS (`{"keys": [...]}`), a single JWK, the JSON text of either, or PEM text
 * holding one or more `PUBLIC KEY` blocks. Each must be an Ed25519 public key; a JWK's `kid`, when given, must be
 * the key's own id. Private keys, other key types and malformed input are refused with a BundleError saying which
 * key and why. Keys given twice are kept once.
 */
export function trustedKeys(source: unknown): PublicJwk[] {
  const keys = typeof source === 'string' ? keysOfText(source) : keysOfObject(source);
  if (keys.length === 0) throw new BundleError('trusted keys: none given (the key set is empty)', null);
  return [...new Map(keys.map((key) => [key.kid, key])).values()];
}

/** Keys from text: the JSON of a JWKS or JWK, else PEM. */
function keysOfText(text: string): PublicJwk[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return pemBlocks(trimmed).map(pemKey);
  try {
    return keysOfObject(JSON.parse(trimmed));
  } catch (error) {
    if (error instanceof BundleError) throw error;
    throw new BundleError(`trusted keys: the text starts like JSON but is not valid JSON (${(error as Error).message})`, null);
  }
}

/** Keys from a parsed JWKS or a single JWK. */
function keysOfObject(source: unknown): PublicJwk[] {
  if (!isRecord(source)) throw new BundleError(`trusted keys: expected a JWKS ({"keys": [...]}), a JWK or PEM public key text, not ${kindOf(source)}`, null);
  if (!('keys' in source)) return [jwkKey(source, 'trusted keys: the JWK')];
  if (!Array.isArray(source.keys)) throw new BundleError(`trusted keys: "keys" must be an array of JWKs, not ${kindOf(source.keys)}`, null);
  return source.keys.map((jwk, index) => jwkKey(jwk, `trusted keys: keys[${index}]`));
}

/** One JWK checked as a trusted Ed25519 public key; `where` names it in errors. */
function jwkKey(jwk: unknown, where: string): PublicJwk {
  if (!isRecord(jwk)) throw new BundleError(`${where}: expected a JWK object, not ${kindOf(jwk)}`, null);
  if ('d' in jwk) throw new BundleError(`${where}: holds a private key ("d"); give the public key only`, null);
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') {
    throw new BundleError(`${where}: is a ${shown(jwk.kty)}/${shown(jwk.crv)} key; bundles are signed with Ed25519 (kty "OKP", crv "Ed25519")`, null);
  }
  if (jwk.alg !== undefined && jwk.alg !== 'EdDSA') throw new BundleError(`${where}: alg is ${shown(jwk.alg)}, expected "EdDSA"`, null);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new BundleError(`${where}: use is ${shown(jwk.use)}, expected "sig"`, null);
  if (typeof jwk.x !== 'string' || !strictBase64(jwk.x, 'base64url', ED25519_KEY_BYTES)) {
    throw new BundleError(`${where}: x must be the unpadded base64url of a 32-byte Ed25519 public key`, null);
  }
  const key = publicJwk(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }));
  if (jwk.kid !== undefined && jwk.kid !== key.kid) {
    throw new BundleError(`${where}: kid ${shown(jwk.kid)} is not this key's id, ${key.kid} (base64url of the first 16 bytes of the sha256 of the public key)`, null);
  }
  return key;
}

/** The PEM blocks of a text; every one must be a PUBLIC KEY. */
function pemBlocks(text: string): string[] {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)];
  if (blocks.length === 0) throw new BundleError('trusted keys: the text is neither JSON (a JWKS or JWK) nor PEM (no -----BEGIN PUBLIC KEY----- block)', null);
  return blocks.map(([block, label], index) => {
    if (label !== 'PUBLIC KEY') throw new BundleError(`trusted keys: PEM block ${index + 1} is a ${label}; give public keys only (-----BEGIN PUBLIC KEY-----)`, null);
    return block;
  });
}

/** One PEM PUBLIC KEY block as a trusted key. */
function pemKey(block: string, index: number): PublicJwk {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block, format: 'pem' });
  } catch {
    throw new BundleError(`trusted keys: PEM block ${index + 1} is not a valid public key`, null);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new BundleError(`trusted keys: PEM block ${index + 1} is a key of type ${key.asymmetricKeyType ?? 'unknown'}; bundles are signed with Ed25519 only`, null);
  }
  return publicJwk(key);
}

/** manifest.sig for manifest.json's exact bytes. */
export function signManifest(manifestBytes: Uint8Array, key: SigningKey): Signature {
  return { alg: 'Ed25519', keyId: key.keyId, signature: sign(null, manifestBytes, key.privateKey).toString('base64') };
}

/** Whether `signature` (base64, in its one canonical spelling) is `key`'s Ed25519 signature over manifest.json's bytes. */
export function signatureMatches(manifestBytes: Uint8Array, signature: string, key: PublicJwk): boolean {
  const bytes = strictBase64(signature, 'base64', ED25519_SIGNATURE_BYTES);
  if (!bytes) return false;
  const publicKey = createPublicKey({ key: { kty: key.kty, crv: key.crv, x: key.x }, format: 'jwk' });
  return verify(null, manifestBytes, publicKey, bytes);
}

/**
 * The bytes of `text` when it is the one canonical encoding of exactly `length` bytes, else null. Node's decoders
 * skip stray characters and ignore trailing bits, so a changed character could otherwise decode to the same bytes.
 */
function strictBase64(text: string, encoding: 'base64' | 'base64url', length: number): Buffer | null {
  const bytes = Buffer.from(text, encoding);
  return bytes.length === length && bytes.toString(encoding) === text ? bytes : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What kind of value was given instead, for an error. */
function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** A value of a JWK for an error: short strings quoted, anything else by its kind (never a long text). */
function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' && value.length <= 64 ? JSON.stringify(value) : kindOf(value);
}
