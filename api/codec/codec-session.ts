import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Keyring } from '../../storage/encryption/keyring.js';

export const CODEC_COOKIE = 'custody_codec';
/** How long a codec session lasts: a working day; the console renews it at every sign-in. */
export const CODEC_SESSION_SECONDS = 12 * 3600;

/** A signing key for codec sessions, derived from the active encryption key (rotation ends old sessions). */
const sessionKey = (keyring: Keyring) => createHmac('sha256', keyring.key(keyring.activeId)).update('custody codec session v1').digest();

/**
 * The cookie that lets the Temporal UI (another origin, same site) reach /codec as the person signed in to
 * the console: the token's id and an expiry, signed. It holds no secret; the token itself never leaves the console.
 */
export function signCodecSession(keyring: Keyring, tokenId: string, now = Date.now()): string {
  const body = `${tokenId}.${Math.floor(now / 1000) + CODEC_SESSION_SECONDS}`;
  return `${body}.${createHmac('sha256', sessionKey(keyring)).update(body).digest('base64url')}`;
}

/** The token id of a valid, unexpired session cookie, or null. */
export function readCodecSession(keyring: Keyring, value: string, now = Date.now()): string | null {
  const [tokenId, expires, signature] = value.split('.');
  if (!tokenId || !expires || !signature) return null;
  const expected = createHmac('sha256', sessionKey(keyring)).update(`${tokenId}.${expires}`).digest();
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical spelling: base64url's last character carries bits that decoding ignores.
  if (given.length !== expected.length || given.toString('base64url') !== signature || !timingSafeEqual(given, expected)) return null;
  return Number(expires) * 1000 > now ? tokenId : null;
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
