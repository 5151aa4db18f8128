import { randomUUID } from 'node:crypto';

/**
 * A new prediction id: a UUID version 7 (RFC 9562), whose first 48 bits are the Unix time in milliseconds and the
 * rest random. Ids made later sort later, so the log's primary key grows at its end rather than at random places
 * (fewer pages touched and written per insert). Built from `randomUUID`'s pooled randomness: its version nibble
 * becomes 7 and its first twelve hex digits the time; the variant bits stay as they are.
 */
export function predictionId(now = Date.now()): string {
  if (now !== prefixAt) {
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    prefixAt = now;
  }
  return prefix + randomUUID().slice(15);
}

/** The time part of the last millisecond's ids: a busy server makes many ids a millisecond. */
let prefixAt = Number.NaN;
let prefix = '';
