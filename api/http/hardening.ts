import type { INestApplication } from '@nestjs/common';
import bodyParser from 'body-parser';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config, SecurityConfig } from '../../config.js';
import { codecAccess } from './codec-access.js';
import { RefusalLimiter } from '../access/refusal-limiter.js';
import { TokensService } from '../access/tokens.service.js';
import { formatBytes, refusalBody, sendJson } from './respond.js';

/** Paths whose bodies are streams read only after authentication (never parsed up front). */
export const STREAMED_PATHS = /^\/v1\/datasets\//;

/**
 * JSON bodies up to `limit` only, parsed before authentication and therefore small; a larger one is
 * refused with 413 naming the limit, from its Content-Length before any of it is read.
 */
function jsonBodies(limit: number) {
  const parse = bodyParser.json({ limit });
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (STREAMED_PATHS.test(req.url ?? '')) return next();
    parse(req, res, (error?: { type?: string; status?: number; message: string }) => {
      if (!error) return next();
      if (error.type === 'entity.too.large') {
        const message = `The request body is larger than the ${formatBytes(limit)} limit; upload datasets with POST /v1/datasets/{name}`;
        return sendJson(res, 413, refusalBody(req, 'PAYLOAD_TOO_LARGE', message, { limitBytes: limit }));
      }
      const status = error.status && error.status < 500 ? error.status : 400;
      sendJson(res, status, refusalBody(req, 'BAD_REQUEST', `The request body cannot be read: ${error.message}`));
    });
  };
}

/** The security headers every answer carries (helmet, with a content security policy for the console). */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
  });
}

/**
 * The headers `securityHeaders()` sets, found once by running it against a response that records them: the same
 * for every request, so a hot path can set them without running the middleware each time.
 */
export function securityHeaderList(): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  };
  let done = false;
  securityHeaders()({ headers: {}, method: 'GET', url: '/' } as IncomingMessage, recorder as unknown as ServerResponse, () => (done = true));
  if (!done) throw new Error('the security headers middleware did not finish at once');
  return [...headers];
}

/**
 * The HTTP surface's defences, in the order a request meets them: the refusal rate limit (before anything
 * is read), security headers, the CORS allow-list, then the small JSON body limit. Called once, before
 * the app listens.
 */
export function hardenHttp(app: INestApplication, security: SecurityConfig, encryption: Config['encryption'] = null): void {
  const tokens = app.get(TokensService);
  app.use(app.get(RefusalLimiter).middleware(async (token) => !('refused' in (await tokens.authenticate(token)))));
  app.use(securityHeaders());
  // An empty allow-list sends no CORS headers at all: browsers then allow same-origin calls only.
  if (security.corsOrigins.length > 0) app.enableCors({ origin: security.corsOrigins, credentials: false, maxAge: 600 });
  if (encryption) codecAccess(app, encryption);
  app.use(jsonBodies(security.bodyLimit));
}
