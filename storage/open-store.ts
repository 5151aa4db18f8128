import { LocalArtifactStore } from './local-store.js';
import { S3ArtifactStore, type S3Settings } from './s3-store.js';
import type { ArtifactStore } from './artifact-store.js';

/** Where artifacts live: a local directory (the embedded default), or an S3-compatible bucket. */
export type ArtifactSettings = { kind: 'local'; dir: string } | ({ kind: 's3' } & S3Settings);

export function openArtifactStore(settings: ArtifactSettings): ArtifactStore {
  return settings.kind === 'local' ? new LocalArtifactStore(settings.dir) : new S3ArtifactStore(settings);
}
