import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandServerError, CommandServers } from '../../ml/command/server.js';
import type { CommandModelArtifact } from '../../ml/artifact.js';
import { PROJECT_ROOT } from '../../paths.js';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { isAlive } from '../../scripts/processes.mjs';

/** The serve mode of command models: one warm process per version, restarted when it dies, never a hang. */
describe('command model servers', () => {
  let dir: string;
  let servers: CommandServers;
  const modelBytes = async () => Buffer.from('model');
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'custody-serve-test-'));
    writeFileSync(path.join(dir, 'starts'), '');
  });
  afterEach(() => {
    servers?.stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const artifact = (command: string[], sha = 'a'.repeat(64)): CommandModelArtifact => ({
    format: 'custody-model/v1',
    kind: 'command',
    command,
    modelSha256: sha,
    task: 'classification',
    target: 'label',
    features: [{ name: 'x', kind: 'categorical' }],
    params: { startsFile: path.join(dir, 'starts') },
    seed: 1,
  });
  const model = () => artifact(['node', 'test/fixtures/serving-model.mjs']);
  const starts = () => readFileSync(path.join(dir, 'starts'), 'utf8').trim().split('\n').filter(Boolean).map(Number);
  const call = (label: string, a = model()) => servers.predict(a, modelBytes, [{ x: label }]);

  it('starts one process on first use and answers every later call from it', async () => {
    servers = new CommandServers();
    for (let i = 0; i < 20; i++) expect((await call(`cat-${i}`)).values).toEqual([`cat-${i}`]);
    expect(starts()).toHaveLength(1);
  });

  it('fails the call in flight with a clear error when the process dies, and restarts it for the next', async () => {
    servers = new CommandServers();
    await call('warm');
    const error = await call('crash').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandServerError);
    expect((error as CommandServerError).message).toMatch(/^the model server of model aaaaaaaaaaaa exited \(3\); the call was not answered, retry it$/);
    expect((await call('after')).values).toEqual(['after']);
    expect(starts()).toHaveLength(2);
    expect(isAlive(starts()[0]!)).toBe(false);
  });

  it('answers a call that hangs with a timeout, not a hang, and replaces the process', async () => {
    servers = new CommandServers({ requestTimeoutMs: 500 });
    await call('warm');
    const error = (await call('hang').catch((e: unknown) => e)) as CommandServerError;
    expect(error.reason).toBe('timeout');
    expect((await call('after')).values).toEqual(['after']);
    expect(starts()).toHaveLength(2);
  });

  it('refuses calls beyond its queue as busy instead of queueing without bound', async () => {
    servers = new CommandServers({ maxPending: 2 });
    await call('warm');
    const settled = await Promise.allSettled(Array.from({ length: 6 }, () => call('slow')));
    const busy = settled.filter((s) => s.status === 'rejected' && (s.reason as CommandServerError).reason === 'busy');
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(2);
    expect(busy).toHaveLength(4);
  });

  it('serves a program without a serve mode the old way, one process per call', async () => {
    servers = new CommandServers();
    const fixture = JSON.stringify(pathToFileURL(path.join(PROJECT_ROOT, 'test/fixtures/serving-model.mjs')).href);
    const legacy = artifact(['node', '-e', `if (process.env.CUSTODY_MODE === 'serve') process.exit(2); else import(${fixture})`], 'b'.repeat(64));
    expect((await call('one', legacy)).values).toEqual(['one']);
    expect((await call('two', legacy)).values).toEqual(['two']);
    expect(starts()).toHaveLength(0);
  });

  it('gives versions that share a model file but not their feature list a process each', async () => {
    servers = new CommandServers();
    const other = { ...model(), features: [{ name: 'y', kind: 'categorical' as const }] };
    expect((await servers.predict(model(), modelBytes, [{ x: 'from-x', y: 'from-y' }])).values).toEqual(['from-x']);
    expect((await servers.predict(other, modelBytes, [{ x: 'from-x', y: 'from-y' }])).values).toEqual(['from-y']);
    expect(starts()).toHaveLength(2);
  });

  it('stops the processes of versions that no longer serve', async () => {
    servers = new CommandServers();
    await call('warm');
    const [pid] = starts();
    servers.retain(new Set(['c'.repeat(64)]));
    const deadline = Date.now() + 10_000;
    while (isAlive(pid!) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(pid!)).toBe(false);
  });
});
