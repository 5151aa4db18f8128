import type { Repositories } from '../db/repositories/index.js';
import type { DatasetVersionRow } from '../db/schema/index.js';
import type { ArtifactStore, StoredArtifact } from './artifact-store.js';
import type { DatasetFormat } from '../domain/data/profile.js';
import type { PrivacyBudget } from '../domain/data/privacy-budget.js';
import { profileDataset } from './profile.js';
import { DataFormatError } from './read-rows.js';

export interface DatasetMetadata {
  source?: string | null;
  license?: string | null;
  intendedUse?: string | null;
}

/**
 * Registers a file as a version of dataset `name`: streams it into the content-addressed store,
 * profiles the stored copy, and records it. Identical content resolves to its existing version.
 * Throws DataFormatError for content that cannot be read as `format`.
 */
export async function registerDatasetFile(
  deps: { repos: Repositories; store: ArtifactStore },
  input: { name: string; file: string; format: DatasetFormat; metadata: DatasetMetadata; actor: string; sensitiveColumns?: string[]; onProgress?: (stage: string, rows?: number) => void },
): Promise<{ row: DatasetVersionRow; created: boolean }> {
  input.onProgress?.('storing');
  const stored = await deps.store.putFile(input.file);
  return await registerStoredDataset(deps, stored, input);
}

/**
 * Registers content already in the store (streamed or uploaded) as a version of dataset `name`:
 * profiles it and records it, with the dataset's privacy budget when one is given. Throws DataFormatError
 * for content that cannot be read as `format`, and PrivacyBudgetRefused for a budget that differs from the one set.
 */
export async function registerStoredDataset(
  deps: { repos: Repositories; store: ArtifactStore },
  stored: StoredArtifact,
  input: { name: string; format: DatasetFormat; metadata: DatasetMetadata; actor: string; privacyBudget?: PrivacyBudget; sensitiveColumns?: string[]; onProgress?: (stage: string, rows?: number) => void },
): Promise<{ row: DatasetVersionRow; created: boolean }> {
  let profile: Awaited<ReturnType<typeof profileDataset>>;
  try {
    profile = await deps.store.withLocalFile(stored.sha256, (file) => profileDataset(file, input.format, (rows) => input.onProgress?.('profiling', rows)));
    if (profile.rowCount === 0) throw new DataFormatError('the file has no rows');
  } catch (error) {
    // Content nobody can use is not kept, unless a dataset version (of another format, say) holds it.
    if (error instanceof DataFormatError && !(await deps.repos.datasets.holds(stored.sha256))) await deps.store.discard(stored.sha256);
    throw error;
  }
  return await deps.repos.datasets.register(input.name, {
    sha256: stored.sha256,
    format: input.format,
    sizeBytes: stored.sizeBytes,
    rowCount: profile.rowCount,
    // The profile of a sensitive column keeps its counts, not its most frequent values.
    columns: profile.columns.map((c) => (input.sensitiveColumns?.includes(c.name) ? { ...c, categories: undefined } : c)),
    source: input.metadata.source ?? null,
    license: input.metadata.license ?? null,
    intendedUse: input.metadata.intendedUse ?? null,
    registeredBy: input.actor,
  }, input.privacyBudget);
}
