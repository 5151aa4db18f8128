import cluster from 'node:cluster';
import http from 'node:http';

// The data plane's baseline, run as processes of its own: a bare node:http endpoint that reads a JSON body and
// answers JSON, the most any Node server can do here. `node bare-http.js PORT PROCESSES` shares PORT among
// PROCESSES processes through the cluster module, as the serving processes do (one process: no cluster), and
// prints "listening" once every one listens.

const [port, processes] = process.argv.slice(2).map(Number) as [number, number];

function serve(): void {
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const { inputs } = JSON.parse(text) as { inputs: unknown[] };
      const answer = JSON.stringify({ predictions: inputs.map(() => ({ value: 'virginica' })) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  server.listen(port, '127.0.0.1', () => (cluster.isWorker ? process.send!('listening') : process.stdout.write('listening\n')));
}

if (processes > 1 && cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < processes; i++) {
    cluster.fork().on('message', () => {
      if (++listening === processes) process.stdout.write('listening\n');
    });
  }
} else {
  serve();
}
