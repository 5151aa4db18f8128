import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import ipaddr from 'ipaddr.js';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Config } from '../../config.js';
import { CONFIG } from '../core/tokens.js';
import { bearerToken, hashToken } from './bearer.js';
import { refusalBody, sendJson } from '../http/respond.js';

const WINDOW_SECONDS = 60;
const VOUCH_MS = 60_000;
const MAX_VOUCHED = 10_000;
/** How long a limited request waits for its 429: a flood then paces itself by its own concurrency. */
const TARPIT_MS = 1000;
/** Limited requests held at once per source; past this, the connection is dropped without an answer. */
const MAX_HELD = 64;

/**
 * The client a request comes from, as the rate limit and the refusal counts name it: its IPv4 address,
 * or the /64 network of its IPv6 address (one host usually holds a whole /64).
 */
export function sourceOf(req: { ip?: string; socket?: { remoteAddress?: string } }): string {
  const address = req.ip ?? req.socket?.remoteAddress;
  if (!address) return 'unknown';
  let source = sources.get(address);
  if (source === undefined) {
    if (sources.size >= MAX_SOURCES) sources.clear();
    sources.set(address, (source = parseSource(address)));
  }
  return source;
}

/** Addresses seen lately, with their sources: parsing an address costs more than the rest of a refusal check. */
const sources = new Map<string, string>();
const MAX_SOURCES = 10_000;

function parseSource(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

/**
 * Refused authentication costs the client, not us: after `authRefusalsPerMinute` refusals in a minute,
 * a source is answered 429 with Retry-After before its body is read, and its refusals are no longer
 * counted one by one. Tokens that authenticated in the last minute are remembered (by hash), so the
 * people behind a flooded address pass without even a lookup.
 */
@Injectable()
export class RefusalLimiter {
  private readonly limiter: RateLimiterMemory;
  private readonly points: number;
  /** sha256 of tokens that authenticated recently, with when that stops counting. */
  private readonly vouched = new Map<string, number>();
  /** Sources with a refusal counted, with when their last one stops counting (a window after it). */
  private readonly refusing = new Map<string, number>();
  /** The size of `refusing` after its last sweep; it is swept again at twice that. */
  private sweptAt = 1024;
  /** Limited requests waiting for their 429, per source. */
  private readonly held = new Map<string, number>();

  constructor(@Inject(CONFIG) config: Config) {
    this.points = config.security.authRefusalsPerMinute;
    this.limiter = new RateLimiterMemory({ points: this.points, duration: WINDOW_SECONDS });
  }

  /** Counts one refused authentication against its source. */
  async refused(source: string): Promise<void> {
    this.refusing.set(source, Date.now() + WINDOW_SECONDS * 1000);
    if (this.refusing.size > 2 * this.sweptAt) this.sweep();
    await this.limiter.consume(source).catch(() => undefined);
  }

  /**
   * False when `source` cannot be limited now: it has had no refusal counted within a window. Checked at
   * once, without the limiter's asynchronous lookup, so a client that authenticates pays nothing for the limit.
   */
  private mayLimit(source: string): boolean {
    const until = this.refusing.get(source);
    return until !== undefined && until > Date.now();
  }

  /** Forgets sources whose last refusal is a window old. */
  private sweep(): void {
    const now = Date.now();
    for (const [source, until] of this.refusing) if (until <= now) this.refusing.delete(source);
    this.sweptAt = Math.max(1024, this.refusing.size);
  }

  /** Remembers a token that just authenticated. */
  vouch(tokenHash: string): void {
    this.vouched.delete(tokenHash);
    this.vouched.set(tokenHash, Date.now() + VOUCH_MS);
    if (this.vouched.size > MAX_VOUCHED) this.vouched.delete(this.vouched.keys().next().value!);
  }

  /** Forgets every vouched token (a revocation or rotation may have ended one). */
  forget(): void {
    this.vouched.clear();
  }

  /** Milliseconds until `source` may try again, or 0 when it is not limited. */
  async blockedFor(source: string): Promise<number> {
    const state = await this.limiter.get(source);
    return state && state.consumedPoints >= this.points ? state.msBeforeNext : 0;
  }

  private isVouched(token: string): boolean {
    const until = this.vouched.get(hashToken(token));
    return until !== undefined && until > Date.now();
  }

  /**
   * Express middleware, mounted before any body parser. A limited source is answered 429, unless its
   * request carries a token that authenticates (looked up by hash, the body still unread): a flood from a
   * shared address never locks out the people behind it. The 429 comes after a second (a tarpit), so a
   * flood runs at its own concurrency per second and costs the server next to nothing; a source holding
   * more than 64 such requests has the rest dropped unanswered.
   */
  middleware(authenticates: (token: string) => Promise<boolean>) {
    return async (req: IncomingMessage & { ip?: string }, res: ServerResponse, next: () => void): Promise<void> => {
      const source = sourceOf(req);
      if (!this.mayLimit(source)) return next();
      const waitMs = await this.blockedFor(source);
      if (waitMs === 0) return next();
      const token = bearerToken(req.headers.authorization);
      if (token && this.isVouched(token)) return next();
      // Past the held limit, nothing more is spent on the source: not even a token lookup.
      const holding = this.held.get(source) ?? 0;
      if (holding >= MAX_HELD) return void req.socket.destroy();
      if (token && (await authenticates(token))) return next();
      this.held.set(source, holding + 1);
      setTimeout(() => {
        const left = (this.held.get(source) ?? 1) - 1;
        if (left > 0) this.held.set(source, left);
        else this.held.delete(source);
        const seconds = Math.max(1, Math.ceil((waitMs - TARPIT_MS) / 1000));
        const message = `Too many refused authentications from this client: try again in ${seconds} s`;
        if (!res.destroyed) sendJson(res, 429, refusalBody(req, 'RATE_LIMITED', message, { retryAfterSeconds: seconds }), { 'retry-after': String(seconds) });
      }, TARPIT_MS).unref();
    };
  }
}
