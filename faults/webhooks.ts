import http from 'node:http';
import { seededRandom } from '../domain/random.js';
import type { Cluster } from './cluster.js';
import type { InvariantResult, Rows } from './invariant.js';
import { call } from './load.js';

/**
 * A subscriber's endpoint that fails now and then (503 for about one request in five, seeded), recording what
 * reached it: each event's id with the delivery id of every attempt.
 */
export async function startFlakyReceiver(seed: number) {
  const random = seededRandom(seed ^ 0x4eb);
  const attempts = new Map<string, { delivery: string; status: number }[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = random() < 0.2 ? 503 : 200;
      try {
        const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
        attempts.set(id, [...(attempts.get(id) ?? []), { delivery: String(req.headers['custody-delivery']), status }]);
      } catch {
        // Not an event: counted nowhere.
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hooks`, attempts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Subscribes the receiver to every event, as an admin does; returns when the subscription was made. */
export async function subscribe(cluster: Cluster, url: string): Promise<Date> {
  const since = new Date();
  await call(cluster, 'admin@faults.test', 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }', { input: { url, events: ['*'] } });
  return since;
}

/**
 * Every event published since the subscription was delivered at least once (a 2xx reached the receiver), and
 * every attempt of one event carried the same delivery id, its delivery's. Waits up to two minutes for the
 * pending deliveries to finish their retries.
 */
export async function webhooksDelivered(query: (text: string) => Promise<Rows>, since: Date, attempts: Map<string, { delivery: string; status: number }[]>): Promise<InvariantResult> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && Number((await query(`select count(*)::int as n from webhook_deliveries where status = 'pending'`))[0]!.n) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const events = await query(`select e.id::text as id, e.type, d.id::text as delivery, d.status from events e left join webhook_deliveries d on d.event_id = e.id where e.created_at >= '${since.toISOString()}'`);
  const result: InvariantResult = { invariant: 'every webhook event is delivered at least once, with one delivery id on every attempt', checked: events.length, violations: [] };
  for (const event of events) {
    const seen = attempts.get(event.id as string) ?? [];
    if (!event.delivery) result.violations.push(`event ${event.id} (${event.type}) has no delivery`);
    else if (!seen.some((a) => a.status === 200)) result.violations.push(`event ${event.id} (${event.type}) never reached the receiver with success; its delivery is ${event.status}`);
    else if (seen.some((a) => a.delivery !== event.delivery)) result.violations.push(`event ${event.id} came with delivery ids ${[...new Set(seen.map((a) => a.delivery))].join(', ')}, not only ${event.delivery}`);
  }
  return result;
}
