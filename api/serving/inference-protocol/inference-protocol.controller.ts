import { All, Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../db/client.js';
import type { ModelArtifact } from '../../../ml/artifact.js';
import { CUSTODY_VERSION } from '../../../paths.js';
import { MUTATION_ROLES, Public, Roles } from '../../access/roles.js';
import { DATABASE } from '../../core/tokens.js';
import { databaseHealth } from '../../health/database-health.js';
import { ServingError } from '../serving.error.js';
import { MAX_INPUTS, ServingService, type DeployedModel } from '../serving.service.js';
import { InferenceProtocolErrorFilter } from './inference-protocol.filter.js';
import { columnsOf, inputTensors, outputsOf, outputTensors, PLATFORM, readInferenceRequest, TensorInputError, type MetadataTensor, type ResponseOutput } from '../../../ml/export/inference-protocol/tensors.js';

/** The header that may carry a request's routing key, as `parameters.key` does. */
export const KEY_HEADER = 'x-custody-key';

interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: MetadataTensor[];
  outputs: MetadataTensor[];
}

interface InferenceResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: ResponseOutput[];
}

/** What `res.status` needs of the response, for the health answers, whose status is their whole answer. */
interface StatusResponse {
  status(code: number): unknown;
}

/**
 * The Open Inference Protocol (V2, as KServe, MLServer and Triton speak it) over REST, beside `/v1/models/{name}/predict`
 * and through the same service: the same production routes and version pins (deployed versions only), token and
 * role, limits, input checks and prediction log. Health needs no token (probes carry none); metadata needs any
 * token; inference the predict role. Every refusal has the protocol's shape, `{"error": "…"}`.
 */
@Controller('v2')
@UseFilters(InferenceProtocolErrorFilter)
export class InferenceProtocolController {
  constructor(
    private readonly serving: ServingService,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  @Public()
  @Get()
  server(): { name: string; version: string; extensions: string[] } {
    return { name: PLATFORM, version: CUSTODY_VERSION, extensions: [] };
  }

  /** Live while the process answers: the protocol's liveness probe, with an empty body. */
  @Public()
  @Get('health/live')
  live(@Res({ passthrough: true }) res: StatusResponse): void {
    res.status(200);
  }

  /** Ready when the database answers, as `health` decides it; not ready is 400, as the protocol has it (4xx). */
  @Public()
  @Get('health/ready')
  async ready(@Res({ passthrough: true }) res: StatusResponse): Promise<void> {
    res.status((await databaseHealth(this.database)).reachable ? 200 : 400);
  }

  @Get('models/:name')
  async metadata(@Param('name') name: string): Promise<ModelMetadata> {
    return metadataOf(name, await this.serving.deployedModel(name));
  }

  @Get('models/:name/versions/:version')
  async versionMetadata(@Param('name') name: string, @Param('version') version: string): Promise<ModelMetadata> {
    return metadataOf(name, await this.serving.deployedModel(name, versionNumber(name, version)));
  }

  /** Ready when it serves production and its versions load; any other model is 404, its error saying why. */
  @Get('models/:name/ready')
  async modelReady(@Param('name') name: string, @Res({ passthrough: true }) res: StatusResponse): Promise<void> {
    await this.serving.deployedModel(name);
    res.status(200);
  }

  @Get('models/:name/versions/:version/ready')
  async versionReady(@Param('name') name: string, @Param('version') version: string, @Res({ passthrough: true }) res: StatusResponse): Promise<void> {
    await this.serving.deployedModel(name, versionNumber(name, version));
    res.status(200);
  }

  @Roles(...MUTATION_ROLES.predict)
  @Post('models/:name/infer')
  @HttpCode(200)
  async infer(@Param('name') name: string, @Body() body: unknown, @Headers(KEY_HEADER) key: string | undefined): Promise<InferenceResponse> {
    return await this.inferWith(name, undefined, body, key);
  }

  @Roles(...MUTATION_ROLES.predict)
  @Post('models/:name/versions/:version/infer')
  @HttpCode(200)
  async inferVersion(@Param('name') name: string, @Param('version') version: string, @Body() body: unknown, @Headers(KEY_HEADER) key: string | undefined): Promise<InferenceResponse> {
    return await this.inferWith(name, versionNumber(name, version), body, key);
  }

  /** Any other `/v2` path or method: the protocol's 404, in its shape (declared last, so it only takes what no route above does). */
  @Public()
  @All('*path')
  unknown(@Req() req: IncomingMessage): never {
    throw new ServingError('NO_SUCH_ROUTE', `The inference protocol has no ${req.method} ${(req.url ?? '').split('?')[0]!.slice(0, 200)}`);
  }

  /**
   * Reads the tensors against the versions that may serve the request (the pinned one, or every one deployed),
   * then predicts through the service, every row by one version, so the answer names one `model_version`.
   */
  private async inferWith(name: string, version: number | undefined, body: unknown, keyHeader: string | undefined): Promise<InferenceResponse> {
    const model = await this.serving.deployedModel(name, version);
    const candidates = model.versions.filter((v) => version === undefined || v.version === version);
    const described = artifactOf(model, model.version);
    const request = readRequest(body, candidates.map((v) => v.artifact), described);
    const key = routingKey(request.key, keyHeader);
    const predictions = await this.serving.predict(name, request.rows, key, { version, oneVersion: true }).catch((error: unknown) => {
      throw asTensorError(error, request.inputs);
    });
    const served = predictions[0]!.version;
    const artifact = model.versions.find((v) => v.version === served)?.artifact ?? described;
    return { model_name: name, model_version: String(served), id: request.id ?? randomUUID(), outputs: outputsOf(predictions, artifact, request.outputs) };
  }
}

/** The request's tensors read against the candidate versions; a refusal is the service's, naming the field. */
function readRequest(body: unknown, candidates: ModelArtifact[], described: ModelArtifact): ReturnType<typeof readInferenceRequest> {
  try {
    return readInferenceRequest(body, columnsOf(candidates), outputTensors(described), MAX_INPUTS);
  } catch (error) {
    if (error instanceof TensorInputError) throw ServingError.field(error.path, error.reason);
    throw error;
  }
}

function metadataOf(name: string, model: DeployedModel): ModelMetadata {
  const artifact = artifactOf(model, model.version);
  return { name, versions: model.versions.map((v) => String(v.version)), platform: PLATFORM, inputs: inputTensors(artifact), outputs: outputTensors(artifact) };
}

function artifactOf(model: DeployedModel, version: number): ModelArtifact {
  return model.versions.find((v) => v.version === version)!.artifact;
}

/** A version in a path: Custody's are whole numbers, so anything else names no version that serves. */
function versionNumber(name: string, version: string): number {
  if (!/^[1-9]\d{0,8}$/.test(version)) throw new ServingError('VERSION_NOT_DEPLOYED', `Model ${name} has no version ${JSON.stringify(version.slice(0, 40))} serving production`);
  return Number(version);
}

/** The request's routing key, from `parameters.key` or the header; both may be sent only when they agree. */
function routingKey(parameter: string | undefined, header: string | undefined): string | undefined {
  // A header's bytes beyond ASCII read differently by client (latin1 or UTF-8): such a key goes in the body, where it is text.
  if (header !== undefined && !/^[\x20-\x7e]*$/.test(header)) throw ServingError.field(KEY_HEADER, 'must be printable ASCII; send any other key as parameters.key');
  if (parameter !== undefined && header !== undefined && parameter !== header) throw ServingError.field('parameters.key', `differs from the ${KEY_HEADER} header`);
  return parameter ?? header;
}

/**
 * The service names a bad value as REST's rows have it (`inputs[3].petal_length`); the caller sent tensors, so the
 * error names the tensor and the element (`inputs[2].data[3] of petal_length`).
 */
function asTensorError(error: unknown, inputs: string[]): unknown {
  const issue = error instanceof ServingError && error.code === 'INVALID_INPUT' ? error.issues[0] : undefined;
  const match = /^inputs\[(\d+)\]\.(.+)$/.exec(issue?.path ?? '');
  if (!issue || !match) return error;
  const [, row, column] = match;
  const tensor = inputs.indexOf(column!);
  if (tensor < 0) return ServingError.field('inputs', `has no tensor ${column}: the version serving this request needs one`);
  return ServingError.field(`inputs[${tensor}].data[${row}] of ${column}`, issue.message);
}
