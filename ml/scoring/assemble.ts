import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ArtifactStore, StoredArtifact } from '../../storage/artifact-store.js';

/**
 * Stores `header` followed by the stored parts, in the order given, as one artifact: streamed part after part,
 * so memory stays flat whatever the size. The same parts give the same bytes, and so the same address.
 */
export async function concatenate(store: ArtifactStore, header: string, parts: readonly string[], onPart?: (done: number) => void): Promise<StoredArtifact> {
  const joined = new PassThrough();
  const writing = (async () => {
    if (header) joined.write(header);
    for (const [i, sha256] of parts.entries()) {
      await store.withLocalFile(sha256, async (file) => {
        for await (const bytes of createReadStream(file, { highWaterMark: 1 << 20 })) {
          if (!joined.write(bytes)) await once(joined, 'drain');
        }
      });
      onPart?.(i + 1);
    }
    joined.end();
  })().catch((error: unknown) => joined.destroy(error as Error));
  try {
    return await store.putStream(joined);
  } catch (error) {
    joined.destroy(error as Error);
    throw error;
  } finally {
    await writing;
  }
}
