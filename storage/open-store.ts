import { LocalArtifactStore } from './local-store.js';
import { S3ArtifactStore, type S3Settings } from './s3-store.js';
import type { ArtifactStore } from './artifact-store.js';
import { EncryptedArtifactStore } from './encrypted-store.js';
import type { Keyring } from './encryption/keyring.js';

/** Where artifacts live: a local directory (the embedded default), or an S3-compatible bucket. */
export type ArtifactSettings = { kind: 'local'; dir: string } | ({ kind: 's3' } & S3Settings);

/** The configured store; with a keyring (CUSTODY_ENCRYPTION_KEYS), every artifact in it is encrypted at rest. */
export function openArtifactStore(settings: ArtifactSettings, keyring?: Keyring | null): ArtifactStore {
  const inner = settings.kind === 'local' ? new LocalArtifactStore(settings.dir) : new S3ArtifactStore(settings);
  return keyring ? new EncryptedArtifactStore(inner, keyring) : inner;
}
