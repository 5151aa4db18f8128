import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import { ServingError } from './serving.error.js';
import { ServingService, type ServedPrediction } from './serving.service.js';

/** REST for applications: POST /v1/models/{name}/predict[?explain=true] with { "inputs": [ … ], "key"?: "…" }. */
@Controller('v1/models')
export class ServingController {
  constructor(private readonly serving: ServingService) {}

  @Roles(...MUTATION_ROLES.predict)
  @Post(':name/predict')
  @HttpCode(200)
  async predict(@Param('name') name: string, @Body() body: unknown, @Query('explain') explain: unknown): Promise<{ predictions: ServedPrediction[] }> {
    const { inputs, key } = predictRequest(body);
    return { predictions: await this.serving.predict(name, inputs, key, {}, explainFlag(explain)) };
  }
}

/** A REST predict body's parts (`inputs` is checked by the service); the same for the framework's path and the fast one. */
export function predictRequest(body: unknown): { inputs: unknown; key: string | undefined } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ServingError.field('body', 'must be a JSON object with "inputs"');
  const { inputs, key } = body as { inputs?: unknown; key?: unknown };
  if (key !== undefined && key !== null && typeof key !== 'string') throw ServingError.field('key', 'must be a string');
  return { inputs, key: key ?? undefined };
}

/** `?explain=true` (or 1); absent, false or 0 is no; anything else is refused, naming the parameter. */
export function explainFlag(value: unknown): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw ServingError.field('explain', 'must be true or false');
}
