import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { Caller } from '../access/principal.js';
import { CODEC_COOKIE, cookieValue, readCodecSession } from '../codec/codec-session.js';
import { REPOSITORIES } from '../core/tokens.js';
import { errorBody, sendJson } from './respond.js';

const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';

/**
 * How a browser on another origin (the Temporal UI) reaches /codec: CORS with credentials for the
 * configured origins only (CUSTODY_CODEC_ORIGINS, the Temporal UI's by default), and the console's codec
 * session cookie standing in for a bearer token, as long as the token it names is still valid.
 */
export function codecAccess(app: INestApplication, encryption: NonNullable<Config['encryption']>): void {
  const repos = app.get<Repositories>(REPOSITORIES);
  app.use('/codec', (req: IncomingMessage & { caller?: Caller }, res: ServerResponse, next: () => void) => {
    const origin = req.headers.origin;
    if (origin && encryption.codecOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-methods': 'POST, DELETE', 'access-control-allow-headers': ALLOWED_HEADERS, 'access-control-max-age': '600' });
        return res.end();
      }
    }
    if (req.headers.authorization) return next();
    const cookie = cookieValue(req.headers.cookie, CODEC_COOKIE);
    // The Temporal UI asks for every payload it shows; without any credential that is not a guess at one, so
    // it is answered here and not counted against the source's refusal limit (which would lock out its console).
    if (!cookie) return sendJson(res, 401, errorBody('UNAUTHENTICATED', 'Not authenticated: sign in to the Custody console (its session cookie) or send Authorization: Bearer <token>'));
    const tokenId = readCodecSession(encryption.keyring, cookie);
    if (!tokenId) return next();
    void repos.access.tokenWithPrincipal(tokenId).then(
      (token) => {
        const live = token && !token.revokedAt && (!token.expiresAt || token.expiresAt > new Date());
        if (live) req.caller = { name: token.principalName, role: token.role, tokenId };
        next();
      },
      () => next(),
    );
  });
}
