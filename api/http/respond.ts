import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Answers a request from middleware, before Nest sees it, and closes the connection: the body the client
 * may still be sending is never read.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close', ...headers });
  res.end(text);
}

/** The GraphQL-shaped error body every middleware refusal uses, so clients read one format. */
export const errorBody = (code: string, message: string, extensions: Record<string, unknown> = {}) => ({ errors: [{ message, extensions: { code, ...extensions } }] });

/** The Open Inference Protocol's paths, whose clients read one error shape, `{"error": "…"}`. */
const INFERENCE_PROTOCOL_PATHS = /^\/v2(\/|$|\?)/;

/** The body of a middleware refusal of `req`: `errorBody`'s, or the inference protocol's shape on its paths. */
export function refusalBody(req: IncomingMessage, code: string, message: string, extensions: Record<string, unknown> = {}): unknown {
  return INFERENCE_PROTOCOL_PATHS.test(req.url ?? '') ? { error: message } : errorBody(code, message, extensions);
}

/** A size in the largest whole unit, as error messages give it. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GB', 1024 ** 3], ['MB', 1024 ** 2], ['kB', 1024]] as const) if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  return `${bytes} bytes`;
}
