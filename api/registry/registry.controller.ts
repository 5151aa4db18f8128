import { Controller, Get, Headers, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import { ARTIFACT_STORE } from '../core/tokens.js';
import { sendStored } from '../http/send-stored.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { ModelExportService } from './model-export.service.js';
import { ModelImportService, type ImportedOnnx } from './model-import.service.js';

/** A model version as a file another runtime can load, and a model trained elsewhere brought in as one. */
@Controller('v1/models')
export class RegistryController {
  constructor(
    private readonly exports: ModelExportService,
    private readonly imports: ModelImportService,
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

  /**
   * `POST /v1/models/{name}/import?dataset=NAME[@VERSION]&target=COLUMN` with an ONNX file as the raw body: stored and
   * checked against the dataset, every mismatch named; 201 with its sha256 for a pipeline's `training.model`. For
   * those who may submit pipelines, as the run that evaluates it is one.
   */
  @Roles(...MUTATION_ROLES.submitPipeline)
  @Post(':name/import')
  async import(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Headers('content-length') contentLength: string | undefined,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
    @CurrentCaller() caller: Caller,
  ): Promise<ImportedOnnx> {
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const imported = await this.imports.import(name, { dataset: text(query.dataset), target: text(query.target), contentLength: contentLength === undefined ? undefined : Number(contentLength) }, req, caller);
    res.statusCode = 201;
    return imported;
  }
}
