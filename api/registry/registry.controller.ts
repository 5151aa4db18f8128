import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import { ARTIFACT_STORE } from '../core/tokens.js';
import { sendStored } from '../http/send-stored.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { ModelExportService } from './model-export.service.js';

/** A model version as a file another runtime can load. */
@Controller('v1/models')
export class RegistryController {
  constructor(
    private readonly exports: ModelExportService,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /**
   * `GET /v1/models/{name}/versions/{version}/export?format=onnx`: the version as an ONNX model, preprocessing
   * included, streamed with its sha256 in `x-custody-sha256`; for those who may `exportModel` (submitters), as the model's weights leave with it.
   */
  @Roles(...MUTATION_ROLES.exportModel)
  @Get(':name/versions/:version/export')
  async export(@Param('name') name: string, @Param('version') version: string, @Query('format') format: unknown, @Res() res: ServerResponse, @CurrentCaller() caller: Caller): Promise<void> {
    await sendStored(this.store, await this.exports.export(name, version, format, caller), res);
  }
}
