import http from 'node:http';

export interface ReceivedWebhook {
  at: number;
  /** What the receiver answered. */
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  json: { id: string; type: string; model: string | null; message: string; data: Record<string, any>; createdAt: string };
}

/**
 * An HTTP server standing in for a subscriber's endpoint (the one thing here outside our control): it
 * records every POST and answers with the status `respond` gives for it (200 unless told otherwise).
 */
export async function startWebhookReceiver(
  respond: (request: number, body: string) => number = () => 200,
): Promise<{ url: string; received: ReceivedWebhook[]; accepted(): ReceivedWebhook[]; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = respond(++count, body);
      received.push({ at: Date.now(), status, headers: req.headers, body, json: JSON.parse(body) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
