import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { CONSOLE_DIR } from '../../paths.js';

/** Paths the API itself answers; everything else a browser asks for is a page of the console. */
const API_PATHS = /^\/(graphql|v1|v2|metrics|health)(\/|$|\?)/;

const isPageRequest = (req: IncomingMessage) => (req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');

/** The console's page for a browser's request, or null when the API should answer it. */
function pageFor(req: IncomingMessage): 'index.html' | 'graphiql.html' | null {
  if (!isPageRequest(req)) return null;
  const url = req.url ?? '/';
  // A browser opening /graphql gets the explorer; clients POST (or GET with ?query=, as JSON) and never ask for HTML.
  if (/^\/graphql\/?(\?|$)/.test(url) && !/[?&]query=/.test(url)) return 'graphiql.html';
  return API_PATHS.test(url) ? null : 'index.html';
}

/**
 * Serves the web console (a static Vite build) on the API's own origin, so it needs no CORS and
 * its calls carry the same CSP. Assets are content-hashed and cached for a year; every page path
 * returns index.html, whose router draws the page, and /graphql in a browser the bundled GraphiQL.
 * Without a build, pages say how to make one.
 */
export function serveConsole(app: NestExpressApplication, dir = CONSOLE_DIR): void {
  app.useStaticAssets(path.join(dir, 'assets'), { prefix: '/assets/', immutable: true, maxAge: '365d', index: false, fallthrough: false });
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const page = pageFor(req);
    if (!page) return next();
    const file = path.join(dir, page);
    if (!existsSync(file)) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end('The Custody console is not built. Run `npm start` (which builds it) or `npm run console:build`.\n');
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
}
