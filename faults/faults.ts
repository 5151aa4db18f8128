import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { seededRandom } from '../domain/random.js';
import type { Cluster } from './cluster.js';

/** What the suite does to the stack; each fault ends healed (the process back, the proxy clean). */
export const FAULT_KINDS = [
  'worker-kill',
  'api-kill',
  'temporal-restart',
  'postgres-restart',
  'postgres-partition',
  'temporal-partition',
  'postgres-latency',
  'postgres-reset',
  'artifacts-read-only',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sets or clears the immutable flag on a directory and everything in it (nothing to do before it exists). */
function setImmutable(dir: string, on: boolean): void {
  if (existsSync(dir)) execFileSync('chattr', ['-R', on ? '+i' : '-i', dir], { stdio: 'ignore' });
}

/** The kinds this cluster can take: restarting PostgreSQL needs a server of the suite's own. */
export function faultKindsOf(cluster: Pick<Cluster, 'postgres'>): FaultKind[] {
  return FAULT_KINDS.filter((kind) => kind !== 'postgres-restart' || cluster.postgres !== null);
}

/** Injects one fault of `kind` for about `ms`, then heals it. */
async function inject(cluster: Cluster, kind: FaultKind, ms: number, pick: number): Promise<void> {
  switch (kind) {
    case 'worker-kill': {
      const worker = cluster.workers[pick % cluster.workers.length]!;
      await worker.kill();
      await pause(ms);
      await worker.start();
      return;
    }
    case 'api-kill':
      await cluster.api.kill();
      await pause(ms);
      await cluster.api.start();
      return;
    case 'temporal-restart':
      await cluster.temporal.kill();
      await pause(ms);
      await cluster.temporal.start();
      return;
    case 'postgres-restart':
      // SIGKILL: a crash, so the restart recovers from the write-ahead log.
      await cluster.postgres!.kill();
      await pause(ms);
      await cluster.postgres!.start();
      return;
    case 'artifacts-read-only':
      // Immutable, recursively: as root, permissions would not stop a write; the immutable flag does.
      setImmutable(cluster.artifactDir, true);
      try {
        await pause(ms);
      } finally {
        setImmutable(cluster.artifactDir, false);
      }
      return;
    case 'postgres-partition':
    case 'temporal-partition': {
      const proxy = kind === 'postgres-partition' ? 'postgres' : 'temporal';
      await cluster.proxies.setEnabled(proxy, false);
      await pause(ms);
      await cluster.proxies.setEnabled(proxy, true);
      return;
    }
    case 'postgres-latency':
      await cluster.proxies.addToxic('postgres', { name: 'slow', type: 'latency', attributes: { latency: 300, jitter: 200 } });
      await pause(ms);
      await cluster.proxies.removeToxic('postgres', 'slow');
      return;
    case 'postgres-reset':
      await cluster.proxies.addToxic('postgres', { name: 'reset', type: 'reset_peer', attributes: { timeout: 50 } });
      await pause(ms);
      await cluster.proxies.removeToxic('postgres', 'reset');
      return;
  }
}

/**
 * `count` faults, one after another at seeded random gaps over about `spreadMs`, cycling through every kind
 * (in a seeded order) so each appears. Returns how many of each were injected.
 */
export async function injectFaults(cluster: Cluster, options: { count: number; spreadMs: number; seed: number; log?: (line: string) => void }): Promise<Record<FaultKind, number>> {
  const random = seededRandom(options.seed ^ 0xfa17);
  const done = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const gap = options.spreadMs / options.count;
  const order = faultKindsOf(cluster).sort(() => random() - 0.5);
  for (let i = 0; i < options.count; i++) {
    await pause(gap * (0.3 + random() * 0.7));
    const kind = order[i % order.length]!;
    const ms = 500 + Math.floor(random() * 2500);
    options.log?.(`fault ${i + 1}/${options.count}: ${kind} for ${ms} ms`);
    await inject(cluster, kind, ms, Math.floor(random() * 1000));
    done[kind]++;
  }
  await cluster.proxies.heal();
  return done;
}
