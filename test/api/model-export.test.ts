import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchmarkDatasets, splitOf } from '../../bench/datasets.js';
import { ARTIFACT_STORE } from '../../api/core/tokens.js';
import { createRepositories } from '../../db/repositories/index.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import type { BuiltInModelArtifact } from '../../ml/artifact.js';
import { predictBuiltIn, trainBuiltIn } from '../../ml/trainers/built-in.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { apiWith } from '../support/api.js';
import { BUNDLE_PATHS } from '../../bundle/contents.js';
import { readBundle, trustedKeys, verifyBundle } from '../../bundle/format.js';

/**
 * `GET /v1/models/{name}/versions/{version}/export?format=onnx` on the real API: the file loads in onnxruntime-web
 * and answers as Custody does, only submitters and admins get it, each export is audited, and a model that cannot be
 * exported faithfully is a 400 naming why.
 */
const iris = (await benchmarkDatasets()).find((d) => d.name === 'iris')!;
const split = splitOf(iris);

describe('exporting a model version to ONNX over REST', () => {
  let server: Awaited<ReturnType<typeof apiWith>>;
  let base: string;
  const versionIds: string[] = [];
  let exportable: BuiltInModelArtifact;

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    server = await apiWith({});
    base = server.api.url.replace(/\/graphql$/, '');
    const store = server.api.app.get<ArtifactStore>(ARTIFACT_STORE);
    const repos = createRepositories(server.database.db);
    const { row: dataset } = await repos.datasets.register('iris', { sha256: 'a'.repeat(64), format: 'csv', sizeBytes: 10, rowCount: 150, columns: [], registeredBy: 'engineer@example.com' });
    exportable = trainBuiltIn({ trainer: 'gradient-boosting', task: 'classification', rows: split.train, target: iris.target, features: iris.features, params: { maxIter: 20 }, seed: 0 });
    // A date's parts have no ONNX form: a model that uses them cannot be exported.
    const dated = split.train.map((r, i) => ({ ...r, measured_at: new Date(Date.UTC(2024, i % 12, 1 + (i % 28))).toISOString() }));
    const unexportable = trainBuiltIn({
      trainer: 'random-forest',
      task: 'classification',
      rows: dated,
      target: iris.target,
      features: [...iris.features, { name: 'measured_at', kind: 'categorical' }],
      params: { nEstimators: 5 },
      seed: 0,
      featureSection: { impute: { numeric: 'mean', categorical: 'missing', indicators: false }, scale: 'none', oneHot: { minFrequency: 0 }, transforms: { measured_at: 'dateparts' }, interactions: [], select: { dropConstant: true } },
    });
    // A command model: its team's own program, which neither format can carry.
    const command = { format: 'custody-model/v1', kind: 'command', command: ['python3', 'predict.py'], modelSha256: 'b'.repeat(64), task: 'classification', target: iris.target, features: iris.features, params: {}, seed: 0 };
    for (const [i, artifact] of [exportable, unexportable, command as never as BuiltInModelArtifact].entries()) {
      const stored = await store.putBytes(Buffer.from(JSON.stringify(artifact)));
      const runId = `00000000-0000-4000-8000-00000000000${i + 1}`;
      await repos.runs.create({ id: runId, workflowId: `wf-${i}`, pipelineName: 'iris', modelName: 'iris', spec: {} as PipelineSpec, submittedBy: 'engineer@example.com', status: 'succeeded' });
      const version = await repos.registry.registerVersion('iris', {
        artifactSha256: stored.sha256,
        trainer: artifact.trainer ?? 'command',
        params: {},
        metrics: {},
        datasetVersionId: dataset.id,
        runId,
        codeVersion: 'test',
        features: artifact.features.map(({ name, kind }) => ({ name, kind })),
        target: iris.target,
        task: 'classification',
      });
      versionIds.push(version.id);
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  const repos = () => createRepositories(server.database.db);
  const get = (route: string, as: string | null = 'engineer@example.com') => fetch(`${base}${route}`, { headers: as ? { authorization: `Bearer ${server.api.tokens[as]}` } : {} });

  it('streams the version as ONNX, with its file name and sha256, and the file answers as Custody does', { timeout: 60_000 }, async () => {
    const response = await get('/v1/models/iris/versions/1/export?format=onnx');
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([response.headers.get('content-type'), response.headers.get('content-disposition'), response.headers.get('x-custody-sha256')]).toEqual([
      'application/octet-stream',
      'attachment; filename="iris-v1.onnx"',
      createHash('sha256').update(bytes).digest('hex'),
    ]);
    const session = await ort.InferenceSession.create(bytes);
    const rows = split.test;
    const feeds = Object.fromEntries(session.inputNames.map((name) => [name, new ort.Tensor('float64', Float64Array.from(rows, (r) => Number(r[name])), [rows.length, 1])]));
    const out = await session.run(feeds);
    const ours = predictBuiltIn(exportable, rows);
    expect(Array.from(out.label!.data as string[])).toEqual(ours.values);
    const probabilities = out.probabilities!.data as Float32Array;
    ours.probabilities!.forEach((p, i) => p.forEach((value, k) => expect(Math.abs(value - probabilities[i * 3 + k]!)).toBeLessThanOrEqual(1e-5)));
    await session.release();
  });

  it('is for submitters and admins: a viewer is refused, and no token is unauthenticated', async () => {
    expect((await get('/v1/models/iris/versions/1/export?format=onnx', 'viewer@example.com')).status).toBe(403);
    expect((await get('/v1/models/iris/versions/1/export?format=onnx', null)).status).toBe(401);
    expect((await get('/v1/models/iris/versions/1/export?format=onnx', 'admin@example.com')).status).toBe(200);
  });

  it('refuses a model with a transform ONNX cannot hold, naming it, and bad requests with the field', async () => {
    const refused = await get('/v1/models/iris/versions/2/export?format=onnx');
    expect([refused.status, await refused.json()]).toEqual([
      400,
      {
        error: {
          code: 'BAD_USER_INPUT',
          message: 'iris v2 cannot be exported to ONNX: features.transforms.measured_at: dateparts has no ONNX export',
          issues: [{ path: 'features.transforms.measured_at', message: 'dateparts has no ONNX export' }],
        },
      },
    ]);
    const format = await get('/v1/models/iris/versions/1/export?format=pmml');
    expect([format.status, ((await format.json()) as { error: { message: string } }).error.message]).toEqual([400, 'format must be onnx or bundle']);
    expect((await get('/v1/models/iris/versions/0/export?format=onnx')).status).toBe(400);
    expect((await get('/v1/models/iris/versions/9/export?format=onnx')).status).toBe(404);
    expect((await get('/v1/models/nothing/versions/1/export?format=onnx')).status).toBe(404);
  });

  it('audits every export as model.exported, with the file’s sha256', async () => {
    const response = await get('/v1/models/iris/versions/1/export?format=onnx');
    const sha256 = response.headers.get('x-custody-sha256');
    await response.arrayBuffer();
    const { auditTrail } = await server.api.data<{ auditTrail: { nodes: { action: string; actor: string; payload: Record<string, unknown> }[] } }>(
      'query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action actor payload } } }',
      { id: versionIds[0] },
    );
    const exports = auditTrail.nodes.filter((n) => n.action === 'model.exported');
    expect(exports.map((n) => n.actor).sort()).toEqual(['admin@example.com', 'engineer@example.com', 'engineer@example.com']);
    expect(exports[0]!.payload).toMatchObject({ model: 'iris', version: 1, format: 'onnx', sha256 });
    const refused = await server.api.data<{ auditTrail: { nodes: { action: string }[] } }>('query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action } } }', { id: versionIds[1] });
    expect(refused.auditTrail.nodes.map((n) => n.action)).not.toContain('model.exported');
  });

  it('exports over GraphQL too: exportModel says where to fetch the file and its sha256, for submitters only', async () => {
    const { exportModel } = await server.api.data<{ exportModel: Record<string, unknown> & { downloadPath: string } }>(
      'mutation { exportModel(input: { model: "iris", version: 1 }) { model version format filename sha256 sizeBytes downloadPath } }',
    );
    const bytes = Buffer.from(await (await get(exportModel.downloadPath)).arrayBuffer());
    expect(exportModel).toEqual({ model: 'iris', version: 1, format: 'onnx', filename: 'iris-v1.onnx', sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length, downloadPath: '/v1/models/iris/versions/1/export?format=onnx' });
    const viewer = await server.api.gql('mutation { exportModel(input: { model: "iris", version: 1 }) { sha256 } }', {}, { as: 'viewer@example.com' });
    expect(viewer.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const unnamed = await server.api.gql('mutation { exportModel(input: { model: "iris" }) { sha256 } }');
    expect(unnamed.errors![0]!.message).toBe('input.version is needed: iris has no version serving production');
    const refused = await server.api.gql('mutation { exportModel(input: { model: "iris", version: 2 }) { sha256 } }');
    expect(refused.errors![0]).toMatchObject({ message: 'iris v2 cannot be exported to ONNX: features.transforms.measured_at: dateparts has no ONNX export', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('exports a signed bundle that verifies with the key at /v1/keys; a model with no ONNX form is bundled without its graph, saying why; a command model is refused', async () => {
    const keys = await fetch(`${base}/v1/keys`).then((r) => r.json());
    expect(keys).toEqual({ keys: [expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })] });
    const trusted = trustedKeys(keys);
    const response = await get('/v1/models/iris/versions/1/export?format=bundle');
    expect([response.status, response.headers.get('content-type'), response.headers.get('content-disposition')]).toEqual([200, 'application/gzip', 'attachment; filename="iris-v1.tar.gz"']);
    const bundle = await readBundle(new Uint8Array(await response.arrayBuffer()));
    expect(verifyBundle(bundle, trusted)).toEqual({ manifest: expect.objectContaining({ model: 'iris', version: 1 }), keyId: trusted[0]!.kid });
    // The native artifact is the version's own, and its ONNX graph is the ONNX export's.
    expect(createHash('sha256').update(bundle.files.get(BUNDLE_PATHS.artifact)!).digest('hex')).toBe((await repos().registry.findVersionByNumber('iris', 1))!.artifactSha256);
    const onnx = Buffer.from(await (await get('/v1/models/iris/versions/1/export?format=onnx')).arrayBuffer());
    expect(Buffer.from(bundle.files.get(BUNDLE_PATHS.onnx)!).equals(onnx)).toBe(true);
    const schema = JSON.parse(Buffer.from(bundle.files.get(BUNDLE_PATHS.inputSchema)!).toString('utf8'));
    expect(schema).toMatchObject({ type: 'object', required: iris.features.map((f) => f.name), properties: { sepal_length: { type: ['number', 'null'] } } });

    const dated = await readBundle(new Uint8Array(await (await get('/v1/models/iris/versions/2/export?format=bundle')).arrayBuffer()));
    expect(dated.files.has(BUNDLE_PATHS.onnx)).toBe(false);
    expect(JSON.parse(Buffer.from(dated.files.get(BUNDLE_PATHS.cardJson)!).toString('utf8')).onnx).toEqual({ exported: false, reason: 'features.transforms.measured_at: dateparts has no ONNX export' });
    const command = await get('/v1/models/iris/versions/3/export?format=bundle');
    expect([command.status, ((await command.json()) as { error: { message: string } }).error.message]).toEqual([400, "iris v3 cannot be bundled: a command model runs its team's own code, which a bundle does not carry"]);

    const { auditTrail } = await server.api.data<{ auditTrail: { nodes: { action: string; payload: Record<string, unknown> }[] } }>(
      'query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action payload } } }',
      { id: versionIds[0] },
    );
    expect(auditTrail.nodes.filter((n) => n.payload.format === 'bundle')).toEqual([{ action: 'model.exported', payload: expect.objectContaining({ format: 'bundle', keyId: trusted[0]!.kid }) }]);
  });

  it('in production without CUSTODY_SIGNING_KEY, publishes no key and refuses bundles, naming the variable', async () => {
    const production = await apiWith({ NODE_ENV: 'production' });
    try {
      const url = production.api.url.replace(/\/graphql$/, '');
      expect(await fetch(`${url}/v1/keys`).then((r) => r.json())).toEqual({ keys: [] });
      const { errors } = await production.api.gql('mutation { exportModel(input: { model: "iris", version: 1, format: BUNDLE }) { sha256 } }');
      expect(errors![0]).toMatchObject({ message: expect.stringContaining('CUSTODY_SIGNING_KEY is not set'), extensions: { code: 'UNAVAILABLE' } });
    } finally {
      await production.close();
    }
  });

  it('audits the download itself: not exportModel, not a HEAD request, and not content the store has lost, which is a 503 naming no path', async () => {
    const exportsOf = async (id: string) =>
      (await server.api.data<{ auditTrail: { nodes: { action: string }[] } }>('query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action } } }', { id })).auditTrail.nodes.filter((n) => n.action === 'model.exported').length;
    const before = await exportsOf(versionIds[1]!);
    const { exportModel } = await server.api.data<{ exportModel: { downloadPath: string; sha256: string } }>('mutation { exportModel(input: { model: "iris", version: 2, format: BUNDLE }) { downloadPath sha256 } }');
    expect(await exportsOf(versionIds[1]!)).toBe(before);
    const head = await fetch(`${base}${exportModel.downloadPath}`, { method: 'HEAD', headers: { authorization: `Bearer ${server.api.tokens['engineer@example.com']}` } });
    expect([head.status, head.headers.get('x-custody-sha256')]).toEqual([200, exportModel.sha256]);
    expect(await exportsOf(versionIds[1]!)).toBe(before);
    await (await get(exportModel.downloadPath)).arrayBuffer();
    expect(await exportsOf(versionIds[1]!)).toBe(before + 1);
    // A bundle lost from the store is written again; a dataset's content lost is a clear 503, with no server path, and no download audited.
    await server.api.app.get<ArtifactStore>(ARTIFACT_STORE).discard(exportModel.sha256);
    expect((await get(exportModel.downloadPath)).headers.get('x-custody-sha256')).toBe(exportModel.sha256);
    const dataset = (await repos().datasets.findVersion('iris', 1))!;
    const lost = await get('/v1/datasets/iris/versions/1');
    const text = await lost.text();
    expect([lost.status, JSON.parse(text).error]).toEqual([503, { code: 'UNAVAILABLE', message: `The stored content of iris-v1.csv (sha256 ${dataset.sha256}) cannot be read from the artifact store; an operator must restore it` }]);
    expect(text).not.toContain(server.config.artifacts.kind === 'local' ? server.config.artifacts.dir : 'artifacts');
    const downloads = await server.api.data<{ auditTrail: { nodes: { action: string }[] } }>('query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action } } }', { id: dataset.id });
    expect(downloads.auditTrail.nodes.map((n) => n.action)).not.toContain('dataset.downloaded');
  });
});
