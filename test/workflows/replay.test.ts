import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { installRuntime } from '../../worker/runtime.js';
import { HISTORIES_DIR } from '../support/histories.js';
import { temporalDataConverter } from '../../clients/payload-codec.js';
import { Keyring } from '../../storage/encryption/keyring.js';
import { randomBytes } from 'node:crypto';

const ENCRYPTED = temporalDataConverter({ keyring: new Keyring([{ id: 'replay', key: randomBytes(32) }], 'replay') });

// Histories recorded from real runs (CUSTODY_RECORD_HISTORIES=1 npm test), replayed against today's
// workflow code. A change that would break runs already in flight fails here; guard it with patched().
// They replay through the encryption codec, as a worker with a keyring would: histories recorded before
// payload encryption decode as they are.
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s replays deterministically', async (file) => {
    installRuntime({ logLevel: 'warn' });
    const history: unknown = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: ENCRYPTED }, history, path.basename(file, '.json'));
  });
});
