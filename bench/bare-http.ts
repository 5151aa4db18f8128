import cluster from 'node:cluster';
import http from 'node:http';
import { bareHandler } from './bare-endpoint.js';

// The data plane's baseline, run as processes of its own: `bareHandler`. `node bare-http.js PORT PROCESSES` shares
// PORT among PROCESSES processes through the cluster module, as the serving processes do (one process: no cluster), and
// prints "listening" once every one listens.

const [port, processes] = process.argv.slice(2).map(Number) as [number, number];

function serve(): void {
  const server = http.createServer(bareHandler);
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
