import type http from 'node:http';

/** A bare JSON endpoint's whole work: read the body, parse it, answer JSON; the most any Node server can do here. */
export function bareHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (text += chunk));
  req.on('end', () => {
    const { inputs } = JSON.parse(text) as { inputs: unknown[] };
    const answer = JSON.stringify({ predictions: inputs.map(() => ({ value: 'virginica' })) });
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  });
}

