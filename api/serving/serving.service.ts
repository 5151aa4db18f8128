import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { predictionId } from './prediction-id.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { DeploymentWithVersion } from '../../db/repositories/registry.js';
import { loadArtifact, predictRows } from '../../ml/predict.js';
import { predictBuiltIn } from '../../ml/trainers/built-in.js';
import { explainBuiltIn, explanationCost, ExplanationError, type RowExplanation } from '../../ml/explain/explain.js';
import type { Predictions } from '../../ml/metrics.js';
import { CommandServerError, CommandServers, serverKey } from '../../ml/command/server.js';
import type { Row } from '../../storage/read-rows.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import type { ModelArtifact } from '../../ml/artifact.js';
import { isUuid } from '../common/validate.js';
import { ARTIFACT_STORE, CONFIG, DATABASE, REPOSITORIES } from '../core/tokens.js';
import type { Database } from '../../db/client.js';
import { CHANNELS } from '../../db/notifications.js';
import type { Config } from '../../config.js';
import { Pseudonyms } from '../../storage/encryption/pseudonym.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PredictionLog, predictionRowJson } from './prediction-log.js';
import { ServingError } from './serving.error.js';
import { ShadowMirror, type ShadowJob, type ShadowOutcome } from './shadow-mirror.js';
import { checkInput, MAX_INPUTS, wellFormed } from '../../ml/input-check.js';
import { NAME_PATTERN } from '../../domain/pipeline/spec.js';

export interface ServedPrediction {
  predictionId: string;
  modelVersionId: string;
  version: number;
  role: string;
  value: string | number;
  probabilities: Record<string, number> | null;
  latencyMs: number;
  /** When asked for: the prediction's exact SHAP values per input column, and its base value. */
  explanation?: RowExplanation;
}

/** The work one request may spend on explanations (TreeSHAP steps; about half a second here): they run on the request's thread. */
const EXPLAIN_BUDGET = 5e7;

/**
 * Refuses, naming `explain`, before anything is predicted: a model that is not built in, one that cannot be
 * explained, or more rows than the budget allows for this model.
 */
export function checkExplainable(artifact: ModelArtifact, rows: number, version: number): void {
  if (artifact.kind !== 'builtin') throw ServingError.field('explain', `version ${version} is ${artifact.kind === 'onnx' ? 'an imported ONNX' : 'a command'} model; explanations are for Custody's built-in trainers`);
  let cost: number;
  try {
    cost = explanationCost(artifact);
  } catch (error) {
    if (error instanceof ExplanationError) throw ServingError.field('explain', `version ${version}: ${error.message}`);
    throw error;
  }
  const most = Math.max(1, Math.floor(EXPLAIN_BUDGET / cost));
  if (rows > most) throw ServingError.field('explain', `version ${version} can explain at most ${most} inputs in one request (it has ${rows}); send fewer`);
}

/** Exact SHAP values of a built-in model's predictions (checked by `checkExplainable` first). */
function explanationsOf(artifact: ModelArtifact, rows: Row[], version: number): RowExplanation[] {
  if (artifact.kind !== 'builtin') throw ServingError.field('explain', `version ${version} cannot be explained`);
  return explainBuiltIn(artifact, rows);
}

/** How a request is routed beyond REST's default (each input on its own, by key or at random). */
export interface Routing {
  /** Serve every input with this version, which must serve production now (primary or canary): a pin never skips a gate. */
  version?: number;
  /** Serve every input with one version, as the inference protocol answers with one `model_version`. */
  oneVersion?: boolean;
}

/** A model as it serves production: the version described, and every version a request may pin, with its artifact. */
export interface DeployedModel {
  version: number;
  versions: { version: number; artifact: ModelArtifact }[];
}

/** How long a model's routes are used without a read: a second, or a minute while changes are announced. */
const ROUTES_TTL_MS = 1000;
const ANNOUNCED_ROUTES_TTL_MS = 60_000;
export { MAX_INPUTS };

/**
 * Serves a model's production deployment: canary rows take their share of traffic (sticky by request key
 * when one is given), the primary the rest. Models are loaded once per version and kept warm.
 */
@Injectable()
export class ServingService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Serving');
  /** Command models' serving processes, one per served version, kept warm between calls. */
  private readonly commands = new CommandServers();
  private readonly models = new Map<string, Loading<ServedModel>>();
  /** Keyed hashes for sensitive categorical features in the log; without encryption keys they are dropped. */
  private readonly pseudonyms: Pseudonyms | null;
  private readonly routes = new Map<string, Loading<Routes> & { at: number }>();
  /** While deployment changes are announced (LISTEN), routes live a minute; otherwise a second. */
  private routesTtl = ROUTES_TTL_MS;
  private unlisten: (() => Promise<void>) | null = null;
  /** Shadow versions' copies of production requests, run off the request path. */
  private readonly shadows: ShadowMirror;

  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    private readonly log: PredictionLog,
    private readonly metrics: MetricsService,
    @Inject(CONFIG) config: Config,
    @Inject(DATABASE) private readonly database: Database,
  ) {
    this.pseudonyms = config.encryption ? new Pseudonyms(config.encryption.keyring) : null;
    this.shadows = new ShadowMirror((job: ShadowJob, outcome: ShadowOutcome, rows: number) => {
      this.metrics.shadowPredictions.inc({ model: job.modelName, version: String(job.version), outcome }, rows);
      if (outcome === 'failed' || outcome === 'timeout') this.logger.warn(`shadow ${job.modelName} v${job.version}: ${outcome}`);
    });
  }

  /**
   * Listens for deployment changes: each one drops every cached route (a change is rare; a model's routes are one
   * read), as does every (re)connection of the listener, since what changed while it was down is unknown.
   */
  async onModuleInit(): Promise<void> {
    try {
      this.unlisten = await this.database.listen(CHANNELS.deployments, () => this.routes.clear(), () => {
        this.routes.clear();
        this.routesTtl = ANNOUNCED_ROUTES_TTL_MS;
      });
    } catch (error) {
      this.logger.warn(`deployment changes are not announced to this process (${(error as Error).message}); routes are read again every second`);
    }
  }

  /**
   * Predicts with the model's production routes and logs every prediction. Written for the hot path: with the
   * routes and the model warm and a built-in model, the one wait is the log's (each await costs a turn and a promise).
   */
  async predict(modelName: string, inputs: unknown, key?: string | null, routing: Routing = {}, explain = false): Promise<ServedPrediction[]> {
    const started = performance.now();
    if (!Array.isArray(inputs) || inputs.length === 0) throw ServingError.field('inputs', 'must be a non-empty list of objects');
    if (inputs.length > MAX_INPUTS) throw ServingError.field('inputs', `must hold at most ${MAX_INPUTS} objects`);
    if (key && !wellFormed(key)) throw ServingError.field('key', 'must be well-formed text (it holds half of a UTF-16 surrogate pair)');
    const routes = deployed(this.warmRoutes(modelName) ?? (await this.productionOf(modelName)), modelName);
    const out: ServedPrediction[] = new Array(inputs.length);
    const logRows: string[] = [];
    const groups = routing.version === undefined ? routeInputs(routes, inputs.length, key, routing.oneVersion) : new Map([[deployedVersion(routes, modelName, routing.version), inputs.map((_, i) => i)]]);
    for (const [deployment, indexes] of groups) {
      const model = this.models.get(deployment.modelVersionId)?.value ?? (await this.model(deployment.modelVersionId));
      const rows = indexes.map((i) => validate(inputs[i], i, model.artifact, model.sensitive));
      if (explain) checkExplainable(model.artifact, rows.length, deployment.version);
      const predicting = performance.now();
      const predictions = model.artifact.kind === 'builtin' ? predictBuiltIn(model.artifact, rows) : await this.predictWith(model.artifact, rows);
      const served = this.served(deployment, model, rows, predictions, (performance.now() - predicting) / rows.length, key ?? null, logRows);
      // Explanations cost only when asked for, and after the answer's latency is taken.
      const explanations = explain ? explanationsOf(model.artifact, rows, deployment.version) : null;
      served.forEach((prediction, i) => (out[indexes[i]!] = explanations ? { ...prediction, explanation: explanations[i]! } : prediction));
    }
    await this.log.add(logRows);
    if (routes.shadows.length > 0) this.mirror(modelName, routes.shadows, inputs, out, key ?? null);
    for (const [deployment, indexes] of groups) this.metrics.predictions.inc({ model: modelName, version: String(deployment.version), role: deployment.role }, indexes.length);
    this.metrics.predictionSeconds.observe({ model: modelName }, (performance.now() - started) / 1000);
    return out;
  }

  /**
   * The model as it serves production, for its metadata: the pinned version (refused unless it serves production
   * now), or else the primary, which serves whatever the canaries leave. Loads every version, so they are warm after.
   */
  async deployedModel(modelName: string, version?: number): Promise<DeployedModel> {
    const routes = deployed(await this.productionOf(modelName), modelName);
    const deployment = version === undefined ? (routes.primary ?? routes.canaries.at(-1)!) : deployedVersion(routes, modelName, version);
    const serving = [...(routes.primary ? [routes.primary] : []), ...routes.canaries].sort((a, b) => a.version - b.version);
    const versions = await Promise.all(serving.map(async (d) => ({ version: d.version, artifact: (await this.model(d.modelVersionId)).artifact })));
    return { version: deployment.version, versions };
  }

  /**
   * Offers each shadow a copy of the request's inputs the primary answered (a sampled share of requests: by key,
   * sticky, or at random), paired with the primary's prediction ids. Never waits and never throws.
   */
  private mirror(modelName: string, shadows: DeploymentWithVersion[], inputs: unknown[], served: ServedPrediction[], key: string | null): void {
    const indexes = served.flatMap((prediction, i) => (prediction.role === 'primary' ? [i] : []));
    if (indexes.length === 0) return;
    for (const shadow of shadows) {
      if (bucketOf(key, 'shadow') >= shadow.trafficPercent) continue;
      const copied = indexes.map((i) => inputs[i]);
      const pairedWith = indexes.map((i) => served[i]!.predictionId);
      this.shadows.offer({ modelName, version: shadow.version, run: () => this.shadowPredict(shadow, copied, pairedWith, key) });
    }
  }

  /** A shadow's predictions for copied inputs, logged with role `shadow` beside the primary's; inputs it cannot take are left out. */
  private async shadowPredict(deployment: DeploymentWithVersion, inputs: unknown[], pairedWith: string[], key: string | null): Promise<number> {
    const model = await this.model(deployment.modelVersionId);
    const rows: Row[] = [];
    const shadowOf: string[] = [];
    inputs.forEach((input, i) => {
      const checked = checkInput(input, model.artifact, model.sensitive);
      if (!checked.ok) return;
      rows.push(checked.row);
      shadowOf.push(pairedWith[i]!);
    });
    if (rows.length === 0) throw new Error('the shadow takes none of the inputs');
    const started = performance.now();
    const predictions = model.artifact.kind === 'builtin' ? predictBuiltIn(model.artifact, rows) : await predictRows(this.store, model.artifact, rows, undefined, this.commands);
    const logRows: string[] = [];
    this.served(deployment, model, rows, predictions, (performance.now() - started) / rows.length, key, logRows, shadowOf);
    await this.log.add(logRows);
    return rows.length;
  }

  /** One deployment's predictions as the caller gets them, with their log rows (JSON text) added to `logRows`. */
  private served(deployment: DeploymentWithVersion, model: ServedModel, rows: Row[], predictions: Predictions, latencyMs: number, key: string | null, logRows: string[], shadowOf?: string[]): ServedPrediction[] {
    const { artifact, sensitive } = model;
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    const { classes, probabilities: matrix } = predictions;
    const served: ServedPrediction[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      let probabilities: Record<string, number> | null = null;
      if (matrix && classes) {
        probabilities = {};
        const p = matrix[i]!;
        for (let k = 0; k < classes.length; k++) setOwn(probabilities, classes[k]!, p[k]!);
      }
      const value = predictions.values[i]!;
      const id = predictionId(now);
      served[i] = { predictionId: id, modelVersionId: deployment.modelVersionId, version: deployment.version, role: deployment.role, value, probabilities, latencyMs };
      logRows.push(
        predictionRowJson({
          id,
          modelId: deployment.modelId,
          modelVersionId: deployment.modelVersionId,
          role: deployment.role,
          requestKey: key,
          inputs: sensitive.size > 0 ? this.loggable(row, artifact, sensitive) : row,
          output: probabilities ? { value, probabilities } : { value },
          latencyMs,
          createdAt,
          shadowOf: shadowOf?.[i],
        }),
      );
    }
    return served;
  }

  /** The row as the log keeps it: a sensitive categorical value as its keyed hash (when keys are set), other sensitive values left out. */
  private loggable(row: Row, artifact: ModelArtifact, sensitive: ReadonlySet<string>): Row {
    const logged: Row = { ...row };
    for (const feature of artifact.features) {
      if (!sensitive.has(feature.name)) continue;
      const value = logged[feature.name];
      if (feature.kind === 'categorical' && this.pseudonyms && value !== null && value !== undefined) logged[feature.name] = this.pseudonyms.of(feature.name, String(value));
      else delete logged[feature.name];
    }
    return logged;
  }

  async recordFeedback(predictionId: string, label: unknown): Promise<{ predictionId: string; label: string | number }> {
    if (!isUuid(predictionId)) throw ServingError.field('input.predictionId', 'must be a UUID');
    if (typeof label !== 'string' && typeof label !== 'number') throw ServingError.field('input.label', 'must be a string or a number');
    await this.log.flush();
    const row = await this.repos.predictions.label(predictionId, label);
    if (!row) {
      const existing = await this.repos.predictions.get(predictionId);
      if (!existing) throw new ServingError('PREDICTION_NOT_FOUND', `No prediction has id ${predictionId}`);
      throw new ServingError('ALREADY_LABELLED', `Prediction ${predictionId} already has a label`);
    }
    return { predictionId, label };
  }

  async onModuleDestroy(): Promise<void> {
    this.commands.stopAll();
    await this.unlisten?.().catch(() => undefined);
  }

  private async predictWith(artifact: ModelArtifact, rows: Row[]): Promise<Predictions> {
    try {
      return await predictRows(this.store, artifact, rows, undefined, this.commands);
    } catch (error) {
      if (error instanceof CommandServerError) throw new ServingError('MODEL_UNAVAILABLE', error.message);
      throw error;
    }
  }

  stats(): { logged: number; lost: number; pending: number } {
    return { ...this.log.stats, pending: this.log.pending };
  }

  /** The model's production routes when read within their time to live and unchanged since, or nothing. */
  private warmRoutes(modelName: string): Routes | undefined {
    const cached = this.routes.get(modelName);
    return cached && Date.now() - cached.at < this.routesTtl ? cached.value : undefined;
  }

  /**
   * The model's production routes, read at most once per time to live. A read is cached as it starts, so a change
   * announced while it is under way drops it, and the next request reads again.
   */
  private async productionOf(modelName: string): Promise<Routes> {
    // A name no model can have is not looked up, nor remembered.
    if (!NAME_PATTERN.test(modelName)) return { primary: undefined, canaries: [], shadows: [] };
    const cached = this.routes.get(modelName);
    if (cached && Date.now() - cached.at < this.routesTtl) return await cached.promise;
    const entry = { ...loading(this.repos.registry.history(modelName, new Date()).then((rows) => routesOf(rows.filter((d) => d.stage === 'production')))), at: Date.now() };
    this.routes.set(modelName, entry);
    const current = await entry.promise;
    // Only what serves is remembered: names that serve nothing (any caller may send many) leave no entry behind.
    if (!current.primary && current.canaries.length === 0 && this.routes.get(modelName) === entry) this.routes.delete(modelName);
    void this.retainServing();
    return current;
  }

  /** Stops the serving processes of command models whose versions no longer serve any production route. */
  private async retainServing(): Promise<void> {
    const serving = new Set<string>();
    for (const { promise } of this.routes.values()) {
      const current = await promise.catch(() => null);
      for (const deployment of current ? [...current.canaries, ...current.shadows, ...(current.primary ? [current.primary] : [])] : []) {
        const artifact = (await this.models.get(deployment.modelVersionId)?.promise.catch(() => null))?.artifact;
        if (artifact?.kind === 'command') serving.add(serverKey(artifact));
      }
    }
    this.commands.retain(serving);
  }

  private model(versionId: string): Promise<ServedModel> {
    let model = this.models.get(versionId);
    if (!model) {
      model = loading(
        this.repos.registry.findVersion(versionId).then(async (version) => ({
          artifact: await loadArtifact(this.store, version!.artifactSha256),
          sensitive: new Set(version!.features.filter((f) => f.sensitive).map((f) => f.name)),
        })),
      );
      model.promise.catch(() => this.models.delete(versionId));
      this.models.set(versionId, model);
    }
    return model.promise;
  }
}

/** Something being loaded, and its value once it arrived: the hot path takes the value without waiting. */
interface Loading<T> {
  promise: Promise<T>;
  value?: T;
}

function loading<T>(promise: Promise<T>): Loading<T> {
  const entry: Loading<T> = { promise };
  promise.then(
    (value) => (entry.value = value),
    () => undefined,
  );
  return entry;
}

/**
 * A model's production deployments: the primary, the canaries in a fixed order (by id), which own the lowest
 * buckets, and the shadows, which answer no one and take copies of what the primary answers.
 */
interface Routes {
  primary: DeploymentWithVersion | undefined;
  canaries: DeploymentWithVersion[];
  shadows: DeploymentWithVersion[];
}

/** The routes, when anything serves production; a model that nothing serves is refused as not deployed. */
function deployed(routes: Routes, modelName: string): Routes {
  if (!routes.primary && routes.canaries.length === 0) throw new ServingError('MODEL_NOT_DEPLOYED', `Model ${modelName} has no production deployment`);
  return routes;
}

/** The deployment serving `version` in production now, primary or canary; any other version (staged, awaiting approval, retired) is refused. */
function deployedVersion(routes: Routes, modelName: string, version: number): DeploymentWithVersion {
  const deployment = [...(routes.primary ? [routes.primary] : []), ...routes.canaries].find((d) => d.version === version);
  if (!deployment) throw new ServingError('VERSION_NOT_DEPLOYED', `Model ${modelName} version ${version} does not serve production`);
  return deployment;
}

function routesOf(deployments: DeploymentWithVersion[]): Routes {
  const sorted = [...deployments].sort((a, b) => a.id.localeCompare(b.id));
  return { primary: sorted.find((d) => d.role === 'primary'), canaries: sorted.filter((d) => d.role === 'canary'), shadows: sorted.filter((d) => d.role === 'shadow') };
}

/**
 * Which deployment serves each input, by index: a bucket in [0, 100) from the key (sticky: every input of a
 * keyed request goes one way), or at random per input (per request when `oneVersion`); canaries own the lowest
 * buckets, the primary the rest.
 */
function routeInputs(routes: Routes, count: number, key: string | null | undefined, oneVersion = false): Map<DeploymentWithVersion, number[]> {
  const fallback = routes.primary ?? routes.canaries.at(-1)!;
  if (routes.canaries.length === 0) return new Map([[fallback, Array.from({ length: count }, (_, i) => i)]]);
  const routeOf = (bucket: number): DeploymentWithVersion => {
    let edge = 0;
    for (const canary of routes.canaries) {
      edge += canary.trafficPercent;
      if (bucket < edge) return canary;
    }
    return fallback;
  };
  // One route for the whole request: the key's (sticky), or one draw when `oneVersion`; else one draw per input.
  const whole = key ? routeOf(bucketOf(key)) : oneVersion ? routeOf(Math.random() * 100) : null;
  const groups = new Map<DeploymentWithVersion, number[]>();
  for (let i = 0; i < count; i++) {
    const route = whole ?? routeOf(Math.random() * 100);
    const indexes = groups.get(route);
    if (indexes) indexes.push(i);
    else groups.set(route, [i]);
  }
  return groups;
}

/** A bucket in [0, 100): the key's, always the same for one key and purpose (sticky), or a random one without a key. */
function bucketOf(key: string | null, purpose = ''): number {
  return key ? createHash('sha256').update(`${key}:${purpose}`).digest().readUInt32BE(0) % 100 : Math.random() * 100;
}

/** `target[name] = value` as an own property whatever the name, as `Object.fromEntries` sets it (a class named `__proto__` too). */
function setOwn(target: Record<string, number>, name: string, value: number): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

/** A served version: its model, and which of its features are sensitive. */
interface ServedModel {
  artifact: ModelArtifact;
  sensitive: ReadonlySet<string>;
}

/** Checks one input against the features the model was trained on; the error names the field, and never quotes a sensitive value. */
function validate(input: unknown, index: number, artifact: ModelArtifact, sensitive: ReadonlySet<string>): Row {
  const checked = checkInput(input, artifact, sensitive);
  if (checked.ok) return checked.row;
  throw ServingError.field(checked.feature === null ? `inputs[${index}]` : `inputs[${index}].${checked.feature}`, checked.reason);
}
