import type { Repositories } from '../db/repositories/index.js';
import type { ArtifactStore } from './artifact-store.js';

export interface GarbageReport {
  dryRun: boolean;
  /** Content younger than this is kept whatever refers to it: a write may be on its way to its record. */
  minAgeMs: number;
  scanned: number;
  kept: number;
  removed: { sha256: string; sizeBytes: number }[];
  bytesRemoved: number;
}

/**
 * Removes (or, in a dry run, lists) stored content that nothing refers to: no dataset version, model
 * version, trial, monitoring reference or drift report, no model artifact (a command model's file), no sha256 written
 * in the audit history, a run step's output or a spec. Content younger than `minAgeMs` is always kept.
 */
export async function collectGarbage(deps: { repos: Repositories; store: ArtifactStore }, options: { dryRun: boolean; minAgeMs: number }): Promise<GarbageReport> {
  const { all, models } = await deps.repos.artifacts.referenced();
  for (const sha256 of models) for (const named of await hashesNamedIn(deps.store, sha256)) all.add(named);
  const cutoff = Date.now() - options.minAgeMs;
  const report: GarbageReport = { dryRun: options.dryRun, minAgeMs: options.minAgeMs, scanned: 0, kept: 0, removed: [], bytesRemoved: 0 };
  for await (const entry of deps.store.list()) {
    report.scanned++;
    if (all.has(entry.sha256) || entry.storedAt.getTime() > cutoff) {
      report.kept++;
      continue;
    }
    if (!options.dryRun) await deps.store.discard(entry.sha256);
    report.removed.push({ sha256: entry.sha256, sizeBytes: entry.sizeBytes });
    report.bytesRemoved += entry.sizeBytes;
  }
  return report;
}

/** The sha256s a model artifact names (a command model's own file, say); none when it cannot be read. */
async function hashesNamedIn(store: ArtifactStore, sha256: string): Promise<string[]> {
  try {
    return (await store.read(sha256)).toString('utf8').match(/[0-9a-f]{64}/g) ?? [];
  } catch {
    // Missing or unreadable: nothing more to keep for it (its own hash is kept regardless).
    return [];
  }
}
