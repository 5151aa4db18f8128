import { Inject, Injectable } from '@nestjs/common';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKey, publicJwk, signingKeyFrom, type PublicJwk, type SigningKey } from '../../bundle/signing.js';
import type { Config } from '../../config.js';
import { CONFIG } from '../core/tokens.js';
import { RegistryError } from './registry.error.js';

/**
 * The key model bundles are signed with: CUSTODY_SIGNING_KEY, or on a development or test stack a key of its own,
 * made on first need and kept in its data directory (file mode 0600) so its bundles still verify after a restart.
 * Production without CUSTODY_SIGNING_KEY signs nothing: a bundle export is refused, saying so.
 */
@Injectable()
export class BundleSigning {
  private loading: Promise<SigningKey | null> | undefined;

  constructor(@Inject(CONFIG) private readonly config: Config) {}

  /** The signing key, or a refusal naming the variable to set. */
  async key(): Promise<SigningKey> {
    const key = await this.current();
    if (!key) throw new RegistryError('SIGNING_KEY_MISSING', 'Bundles cannot be signed: CUSTODY_SIGNING_KEY is not set (make a key with: openssl genpkey -algorithm ed25519)');
    return key;
  }

  /** `/v1/keys`: the public key that verifies this stack's bundles, as a JWK set (empty when there is none). */
  async publicKeys(): Promise<{ keys: PublicJwk[] }> {
    const key = await this.current();
    return { keys: key ? [publicJwk(key)] : [] };
  }

  private current(): Promise<SigningKey | null> {
    const { key, developmentKeyFile } = this.config.signing;
    if (key) return Promise.resolve(key);
    if (!developmentKeyFile) return Promise.resolve(null);
    // One read (or creation) per process; a failure is not remembered, so the next call tries again.
    return (this.loading ??= developmentKey(developmentKeyFile).catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    }));
  }
}

/** The development key in `file`, made there first if there is none (exclusively: of two processes, one writes it). */
async function developmentKey(file: string): Promise<SigningKey> {
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)));
  if (existing !== null) return signingKeyFrom(existing, file);
  await mkdir(path.dirname(file), { recursive: true });
  const { pem } = generateSigningKey();
  try {
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return signingKeyFrom(await readFile(file, 'utf8'), file);
}
