import { createHash } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header, if it holds one. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/** Tokens are stored, looked up and remembered by their sha256 only. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
