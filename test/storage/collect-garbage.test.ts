import { utimesSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { LocalArtifactStore } from '../../storage/local-store.js';
import { apiWith } from '../support/api.js';

/** Garbage collection keeps everything a record, the audit history or a young write may need, and removes the rest. */
describe('collectArtifacts', () => {
  let server: Awaited<ReturnType<typeof apiWith>>;
  let store: LocalArtifactStore;
  beforeAll(async () => {
    server = await apiWith({});
    store = new LocalArtifactStore((server.config.artifacts as { dir: string }).dir);
  });
  afterAll(async () => {
    await server?.close();
  });

  const collect = (input: string) =>
    server.api.gql<{ collectArtifacts: { dryRun: boolean; scanned: number; kept: number; removedCount: number; bytesRemoved: number; removed: { sha256: string }[] } }>(
      `mutation { collectArtifacts(input: ${input}) { dryRun scanned kept removedCount bytesRemoved removed { sha256 } } }`,
      {},
      { as: 'admin@example.com' },
    );
  const age = (sha256: string, days: number) => {
    const then = new Date(Date.now() - days * 86_400_000);
    utimesSync(store.pathOf(sha256), then, then);
  };

  it('lists in a dry run, then removes, only old content nothing refers to', async () => {
    const upload = await fetch(server.api.url.replace(/graphql$/, 'v1/datasets/kept'), {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${server.api.tokens['engineer@example.com']}` },
      body: 'a,b\n1,2\n3,4\n',
    });
    const dataset = ((await upload.json()) as { sha256: string }).sha256;
    const orphan = (await store.putBytes(Buffer.from('nothing refers to this'))).sha256;
    const young = (await store.putBytes(Buffer.from('written a moment ago'))).sha256;
    const named = (await store.putBytes(Buffer.from('named in the audit history'))).sha256;
    await createRepositories(server.database.db).audit.append({ actor: 'test', action: 'test.noted', subjectType: 'artifact', subjectId: 'x', payload: { kept: named }, idempotencyKey: `gc-${named}` });
    for (const sha256 of [dataset, orphan, named]) age(sha256, 3);

    const dry = (await collect('{ minAge: "24h" }')).data!.collectArtifacts;
    expect(dry).toMatchObject({ dryRun: true, scanned: 4, kept: 3, removedCount: 1, bytesRemoved: 'nothing refers to this'.length, removed: [{ sha256: orphan }] });
    expect(await store.has(orphan)).toBe(true);

    const real = (await collect('{ dryRun: false }')).data!.collectArtifacts;
    expect(real).toMatchObject({ dryRun: false, removedCount: 1, removed: [{ sha256: orphan }] });
    expect(await store.has(orphan)).toBe(false);
    for (const sha256 of [dataset, young, named]) expect(await store.has(sha256)).toBe(true);

    const audit = await server.api.data<{ auditTrail: { nodes: { actor: string; payload: Record<string, unknown> }[] } }>('{ auditTrail(input: { action: "artifacts.collected" }) { nodes { actor payload } } }', {}, 'admin@example.com');
    expect(audit.auditTrail.nodes.map((n) => n.payload)).toEqual([expect.objectContaining({ dryRun: true, removed: 1 }), expect.objectContaining({ dryRun: false, removed: 1 })]);
  });

  it('refuses a minimum age under an hour, naming the field, and refuses anyone but admins', async () => {
    expect((await collect('{ minAge: "10m" }')).errors![0]!.message).toBe('input.minAge must be a duration of at least 1h, such as 24h or 7d');
    const viewer = await server.api.gql('mutation { collectArtifacts { scanned } }', {}, { as: 'viewer@example.com' });
    expect(viewer.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
