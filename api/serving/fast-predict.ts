import { Logger, type INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { SecurityConfig } from '../../config.js';
import { MUTATION_ROLES } from '../../domain/access.js';
import { authenticateRequest, hasRole, requireRole } from '../access/authorize.js';
import { bearerToken } from '../access/bearer.js';
import { RefusalLimiter, sourceOf } from '../access/refusal-limiter.js';
import { TokensService } from '../access/tokens.service.js';
import { findNul } from '../common/no-nul.pipe.js';
import { inSpan, tracingInstalled } from '../../observability/tracing.js';
import { DomainError } from '../errors/domain-error.js';
import { InputError } from '../errors/input-error.js';
import { sendRestError } from '../errors/rest-error.js';
import { securityHeaderList } from '../http/hardening.js';
import { errorBody, sendJson } from '../http/respond.js';
import { explainFlag, predictRequest } from './serving.controller.js';
import { ServingService } from './serving.service.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const PREDICT_PATH = /^\/v1\/models\/([^/?#]+)\/predict(?:\?[^#]*)?$/;
const JSON_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * `POST /v1/models/{name}/predict` answered on the HTTP server itself, ahead of Express and Nest: an application's
 * hot path, where the framework's routing, guards and pipes cost more than the prediction. It applies what the
 * framework's path applies to it, with the same functions: the refusal limit, the security headers (as the middleware sets them), the body
 * limit, the bearer token and its role, the NUL check and the same errors. Whatever it would not answer exactly
 * as the framework does goes the framework's way: a browser's cross-origin call, another content type or
 * encoding, a body of unknown or too large a size.
 */
export function serveFastPredict(app: INestApplication, security: SecurityConfig): void {
  const server = app.getHttpServer() as Server;
  const [framework] = server.listeners('request') as Listener[];
  if (!framework) throw new Error('the HTTP server has no request listener to put the predict route ahead of');
  const securityHeaders = securityHeaderList();
  const withSecurityHeaders = (res: ServerResponse) => {
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
  };
  const answer = predictAnswerer(app, securityHeaders.flat(), withSecurityHeaders);
  const limiter = app.get(RefusalLimiter).middleware(async (token) => !('refused' in (await app.get(TokensService).authenticate(token))));
  server.removeListener('request', framework);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const name = fastPredictName(req, security.bodyLimit);
    if (name === null) return framework(req, res);
    const respond = (body: string) => (tracingInstalled() ? inSpan('POST /v1/models/:name/predict', () => answer(req, res, name, body)) : answer(req, res, name, body));
    void limiter(req, res, () => void readBody(req).then(respond, () => req.socket.destroy()));
  });
}

/** The model a request predicts with, when this path answers it exactly as the framework would; else null. */
function fastPredictName(req: IncomingMessage, limit: number): string | null {
  if (req.method !== 'POST' || req.headers.origin !== undefined || req.headers['content-encoding'] !== undefined) return null;
  const match = PREDICT_PATH.exec(req.url ?? '');
  const length = Number(req.headers['content-length']);
  if (!match || !JSON_TYPE.test(req.headers['content-type'] ?? '') || !Number.isInteger(length) || length > limit) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    // Decoded as it arrives (a character split between chunks is kept whole): one small body is one string.
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.once('end', () => resolve(text));
    req.once('error', reject);
  });
}

/**
 * Whether a request body's parsed value may hold a NUL character: JSON text can carry one only as the escape
 * `\u0000` (a raw control character is not valid JSON), so a body without that text holds none, and the walk
 * that names the field runs only for a body with it.
 */
const mayHoldNul = (text: string) => text.includes('\\u0000');

/** One query parameter of a request's path as the framework's path reads it: absent, one value, or a list when repeated. */
function queryParam(url: string, name: string): string | string[] | undefined {
  const at = url.indexOf('?');
  if (at < 0) return undefined;
  const values = new URLSearchParams(url.slice(at + 1)).getAll(name);
  return values.length > 1 ? values : values[0];
}

/**
 * Answers one predict request whose body has been read: the controller's checks, then the service's predictions.
 * An answer carries the security headers, written with it in one go (`securityHeaders`, flat), or set before an error.
 */
function predictAnswerer(app: INestApplication, securityHeaders: string[], withSecurityHeaders: (res: ServerResponse) => void) {
  const tokens = app.get(TokensService);
  const serving = app.get(ServingService);
  const logger = new Logger('Serving');
  const head = [...securityHeaders, 'content-type', 'application/json; charset=utf-8', 'content-length'];
  return async (req: IncomingMessage, res: ServerResponse, name: string, text: string): Promise<void> => {
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      withSecurityHeaders(res);
      return sendJson(res, 400, errorBody('BAD_REQUEST', `The request body cannot be read: ${(error as Error).message}`));
    }
    try {
      const operation = () => `POST ${req.url!.split('?')[0]}`;
      // A token seen in the last seconds, holding the role, passes without a wait; anything else takes the full checks.
      const caller = tokens.remembered(bearerToken(req.headers.authorization)) ?? (await authenticateRequest(tokens, req.headers.authorization, sourceOf(req), operation()));
      if (!hasRole(caller, MUTATION_ROLES.predict)) await requireRole(tokens, caller, MUTATION_ROLES.predict, operation());
      const nul = mayHoldNul(text) ? findNul(body, 'input') : null;
      if (nul) throw InputError.field(nul, 'must not contain NUL characters');
      const { inputs, key } = predictRequest(body);
      const answer = JSON.stringify({ predictions: await serving.predict(name, inputs, key, {}, explainFlag(queryParam(req.url!, 'explain'))) });
      const headers = head.slice();
      headers.push(String(Buffer.byteLength(answer)));
      res.writeHead(200, headers).end(answer);
    } catch (error) {
      withSecurityHeaders(res);
      if (error instanceof DomainError) return sendRestError(req, res, error);
      logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      sendJson(res, 500, { statusCode: 500, message: 'Internal server error' });
    }
  };
}
