import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../storage/local-store.js';

describe('the local artifact store', () => {
  it('stores the same content written by many callers at once, each told its address, with no temporary file left', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'custody-local-store-'));
    const store = new LocalArtifactStore(root);
    const bytes = Buffer.from('the same model, trained twice at once');
    const results = await Promise.allSettled(Array.from({ length: 32 }, () => store.putBytes(bytes)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const [first] = results as PromiseFulfilledResult<{ sha256: string }>[];
    expect((await store.read(first!.value.sha256)).equals(bytes)).toBe(true);
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });
});
