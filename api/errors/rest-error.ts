import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DomainError } from './domain-error.js';

/** The HTTP status of each public error code, for every REST answer. */
export const HTTP_STATUS = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, UNAVAILABLE: 503, INTERNAL_SERVER_ERROR: 500 } as const;

/** A domain error over REST (serving, uploads): its public code and message as JSON, with a matching HTTP status. */
export function sendRestError(request: IncomingMessage, response: ServerResponse, exception: DomainError): void {
  const code = exception.publicCode();
  const body = JSON.stringify({ error: { code, message: exception.message, ...(exception.issues.length ? { issues: exception.issues } : {}) } });
  // A refused upload's body is never read: close the connection rather than drain what is still coming.
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...(request.complete ? {} : { connection: 'close' }) };
  response.writeHead(HTTP_STATUS[code], headers).end(body);
}
