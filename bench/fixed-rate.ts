import http from 'node:http';

// An open-loop load generator, run as a process of its own: `node fixed-rate.js URL RATE SECONDS BODY [TOKEN]` POSTs
// BODY to URL at RATE requests a second for SECONDS, each request sent at its appointed time whatever the answers
// before it, and prints one JSON line: the latency of each answer measured from its appointed time (so a stall of
// the server, or of this process, counts against it rather than delaying what is measured), after a warm-up second.

const [url, rateText, secondsText, body, token] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const rate = Number(rateText);
const total = rate * Number(secondsText);
const warmup = rate;
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...(token ? { authorization: `Bearer ${token}` } : {}) };
const latencies: number[] = [];
let errors = 0;
let answered = 0;
let done = 0;
let sent = 0;
const started = performance.now();

function send(index: number): void {
  const appointed = started + (index * 1000) / rate;
  const finish = (ok: boolean) => {
    if (ok) answered++;
    else errors++;
    if (ok && index >= warmup) latencies.push(performance.now() - appointed);
    if (++done === total) report();
  };
  const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
    res.resume();
    res.on('end', () => finish(res.statusCode === 200));
  });
  req.on('error', () => finish(false));
  req.end(body);
}

function report(): void {
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ requestsPerSecond: done / seconds, p50: at(0.5), p99: at(0.99), max: at(1), errors, answered })}\n`);
  agent.destroy();
}

const timer = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
  while (sent < due) send(sent++);
  if (sent >= total) clearInterval(timer);
}, 1);
