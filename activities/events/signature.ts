import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying a webhook's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'custody-signature';

/** Signs a webhook body with the subscription's secret, at time `t` (unix seconds). */
export function signPayload(secret: string, body: string, t: number): string {
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

/**
 * Verifies a signature header against the raw body, as a receiver should: the HMAC must match and the
 * timestamp must be within `toleranceSeconds` of now, so a captured request cannot be replayed later.
 */
export function verifySignature(secret: string, body: string, header: string | null | undefined, options: { now?: number; toleranceSeconds?: number } = {}): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== 'string') return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signPayload(secret, body, t).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
