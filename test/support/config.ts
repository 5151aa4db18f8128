import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../config.js';
import { noteSecretsOf } from './secret-scan.js';

/**
 * A configuration pointing at the run's Temporal server and a private data directory. Its secrets (encryption
 * keys, an S3 secret key) are given to the secret scan, which fails the file if the life they configure logs them.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  noteSecretsOf(env);
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    CUSTODY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'custody-test-')),
    ...env,
  });
}

/** A task queue no other test uses, so workers never pick up each other's work. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
