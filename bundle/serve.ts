import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArtifact, type BuiltInModelArtifact } from '../ml/artifact.js';
import { columnsOf, inputTensors, outputsOf, outputTensors, PLATFORM, readInferenceRequest, TensorInputError, type TensorPrediction } from '../ml/export/inference-protocol/tensors.js';
import { checkInput, MAX_INPUTS } from '../ml/input-check.js';
import { predictBuiltIn } from '../ml/trainers/built-in.js';
import { BUNDLE_PATHS } from './contents.js';
import { checkDigests, verifyBundle, type Manifest, type PublicJwk, type ReadBundle } from './format.js';

/** The largest request body read, in bytes: a thousand rows of wide inputs fit well within it. */
const BODY_LIMIT = 8 * 1024 * 1024;

export interface ServeOptions {
  /** The bundle, read from its `.tar.gz` or from the directory it was unpacked into (as its Dockerfile copies it). */
  bundle: ReadBundle;
  host: string;
  port: number;
  /** When given, every route but health needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Keys the bundle's signature must verify with; without them only its digests are checked, and `signed` says so. */
  trusted?: PublicJwk[];
}

export interface BundleServer {
  url: string;
  manifest: Manifest;
  /** The key that signed the bundle, when its signature was checked against trusted keys; null when it was not. */
  signedBy: string | null;
  close(): Promise<void>;
}

/** A refusal of this server: its HTTP status and message, and the field at fault for REST's `issues`. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/**
 * `custody serve BUNDLE`: one model version served from its bundle alone, with no database, Temporal or store:
 * the Open Inference Protocol (`/v2`) and Custody's REST predict (`/v1/models/{name}/predict`), with the same
 * input checks and limits as the stack's. Nothing is logged (there is no log to keep predictions in), so no
 * `prediction_id` is given. The bundle is checked before a request is taken: every digest, and the signature
 * when trusted keys are given.
 */
export async function serveBundle(options: ServeOptions): Promise<BundleServer> {
  const { bundle } = options;
  const signedBy = options.trusted ? verifyBundle(bundle, options.trusted).keyId : (checkDigests(bundle), null);
  const artifact = builtInArtifact(bundle);
  const model = new BundleModel(bundle.manifest, artifact);
  const server = createServer((req, res) => void handle(model, options.token, req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}`, manifest: bundle.manifest, signedBy, close: () => closeServer(server) };
}

/** The bundle's native model, which this server predicts with: a built-in model (command models are not bundled). */
function builtInArtifact(bundle: ReadBundle): BuiltInModelArtifact {
  const bytes = bundle.files.get(BUNDLE_PATHS.artifact);
  if (!bytes) throw new Error(`the bundle has no ${BUNDLE_PATHS.artifact}`);
  const artifact = parseArtifact(Buffer.from(bytes));
  if (artifact.kind !== 'builtin') throw new Error(`${BUNDLE_PATHS.artifact} is a ${artifact.kind} model, which only the stack serves`);
  return artifact;
}

/** The served model: its name and version, and what a prediction needs. */
class BundleModel {
  readonly name: string;
  readonly version: number;
  /** Every feature is treated as sensitive: a refusal never quotes a value, as nothing here knows which are. */
  readonly quiet: ReadonlySet<string>;

  constructor(
    manifest: Manifest,
    readonly artifact: BuiltInModelArtifact,
  ) {
    this.name = manifest.model;
    this.version = manifest.version;
    this.quiet = new Set(artifact.features.map((f) => f.name));
  }

  /** The version a path names: the bundle's own, or a 404 naming what is served. */
  check(name: string, version?: string): void {
    if (name !== this.name) throw new Refusal(404, 'NOT_FOUND', `This server serves model ${this.name} only, not ${JSON.stringify(name.slice(0, 100))}`);
    if (version !== undefined && version !== String(this.version)) throw new Refusal(404, 'NOT_FOUND', `Model ${this.name} is served at version ${this.version} only, not ${JSON.stringify(version.slice(0, 40))}`);
  }

  /** Predictions for rows of raw inputs; a bad value is refused naming where it is, by `at(row, feature)`. */
  predict(inputs: unknown[], at: (row: number, feature: string | null) => string): TensorPrediction[] {
    const rows = inputs.map((input, i) => {
      const checked = checkInput(input, this.artifact, this.quiet);
      if (!checked.ok) throw new Refusal(400, 'BAD_USER_INPUT', `${at(i, checked.feature)} ${checked.reason}`, at(i, checked.feature));
      return checked.row;
    });
    const { values, probabilities, classes } = predictBuiltIn(this.artifact, rows);
    return values.map((value, i) => ({ value, probabilities: probabilities && classes ? Object.fromEntries(classes.map((c, k) => [c, probabilities[i]![k]!])) : null }));
  }
}

/** The routes, by method and path pattern; `open` ones need no token (probes carry none). */
const ROUTES: { method: string; pattern: RegExp; open?: boolean; run: (model: BundleModel, match: string[], body: () => Promise<unknown>) => Promise<{ status?: number; json?: unknown }> }[] = [
  { method: 'GET', pattern: /^\/v2$/, open: true, run: async () => ({ json: { name: PLATFORM, version: 'bundle', extensions: [] } }) },
  { method: 'GET', pattern: /^\/v2\/health\/(live|ready)$/, open: true, run: async () => ({ status: 200 }) },
  { method: 'GET', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?$/, run: async (model, [name, version]) => metadata(model, name!, version) },
  { method: 'GET', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/ready$/, run: async (model, [name, version]) => (model.check(name!, version), { status: 200 }) },
  { method: 'POST', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/, run: async (model, [name, version], body) => infer(model, name!, version, await body()) },
  { method: 'POST', pattern: /^\/v1\/models\/([^/]+)\/predict$/, run: async (model, [name], body) => predict(model, name!, await body()) },
];

async function metadata(model: BundleModel, name: string, version: string | undefined) {
  model.check(name, version);
  const { artifact } = model;
  return { json: { name: model.name, versions: [String(model.version)], platform: PLATFORM, inputs: inputTensors(artifact), outputs: outputTensors(artifact, { logged: false }) } };
}

async function infer(model: BundleModel, name: string, version: string | undefined, body: unknown) {
  model.check(name, version);
  const { artifact } = model;
  const request = readInferenceRequest(body, columnsOf([artifact]), outputTensors(artifact, { logged: false }), MAX_INPUTS);
  const at = (row: number, feature: string | null) => (feature === null ? `inputs[${row}]` : `inputs[${request.inputs.indexOf(feature)}].data[${row}] of ${feature}`);
  const predictions = model.predict(request.rows, at);
  return { json: { model_name: model.name, model_version: String(model.version), id: request.id ?? randomUUID(), outputs: outputsOf(predictions, artifact, request.outputs) } };
}

async function predict(model: BundleModel, name: string, body: unknown) {
  model.check(name);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Refusal(400, 'BAD_USER_INPUT', 'body must be a JSON object with "inputs"', 'body');
  const { inputs } = body as { inputs?: unknown };
  if (!Array.isArray(inputs) || inputs.length === 0) throw new Refusal(400, 'BAD_USER_INPUT', 'inputs must be a non-empty list of objects', 'inputs');
  if (inputs.length > MAX_INPUTS) throw new Refusal(400, 'BAD_USER_INPUT', `inputs must hold at most ${MAX_INPUTS} objects`, 'inputs');
  const started = performance.now();
  const predictions = model.predict(inputs, (row, feature) => (feature === null ? `inputs[${row}]` : `inputs[${row}].${feature}`));
  const latencyMs = (performance.now() - started) / inputs.length;
  return { json: { predictions: predictions.map((p) => ({ version: model.version, value: p.value, probabilities: p.probabilities, latencyMs })) } };
}

/** One request: routed, its token checked where needed, answered in JSON; every refusal in its route's shape, never a stack. */
async function handle(model: BundleModel, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  const v2 = path === '/v2' || path.startsWith('/v2/');
  try {
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(path));
    if (!route) throw new Refusal(404, 'NOT_FOUND', `This server has no ${req.method} ${path.slice(0, 200)}`);
    if (!route.open && token !== undefined && !sameToken(req.headers.authorization, token)) throw new Refusal(401, 'UNAUTHENTICATED', 'A valid bearer token is required');
    const match = route.pattern.exec(path)!.slice(1).map((part) => (part === undefined ? undefined : decodeURIComponent(part)));
    const answer = await route.run(model, match as string[], () => readJson(req));
    send(res, answer.status ?? 200, answer.json);
  } catch (error) {
    const refusal = asRefusal(error);
    if (refusal.status === 500) process.stderr.write(`custody serve: ${(error as Error)?.stack ?? String(error)}\n`);
    const body = v2 ? { error: refusal.message } : { error: { code: refusal.code, message: refusal.message, ...(refusal.path ? { issues: [{ path: refusal.path, message: refusal.message.slice(refusal.path.length + 1) }] } : {}) } };
    if (!req.complete) res.setHeader('connection', 'close');
    send(res, refusal.status, body);
  }
}

function asRefusal(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  if (error instanceof TensorInputError) return new Refusal(400, 'BAD_USER_INPUT', error.message, error.path);
  if (error instanceof URIError) return new Refusal(404, 'NOT_FOUND', 'The path is not valid percent-encoding');
  return new Refusal(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
}

/** The request's JSON body, up to BODY_LIMIT bytes. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new Refusal(413, 'PAYLOAD_TOO_LARGE', `The body is larger than ${BODY_LIMIT} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Refusal(400, 'BAD_USER_INPUT', 'body must be JSON', 'body');
  }
}

function send(res: ServerResponse, status: number, json: unknown): void {
  if (json === undefined) {
    res.writeHead(status, { 'content-length': '0' }).end();
    return;
  }
  const text = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

/** Whether the header carries the token, compared in constant time. */
function sameToken(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
