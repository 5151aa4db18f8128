import { Controller, Get, Headers, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DATA_READ_ROLES, MUTATION_ROLES, Roles } from '../access/roles.js';
import { ARTIFACT_STORE } from '../core/tokens.js';
import { sendStored } from '../http/send-stored.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { DatasetsService } from './datasets.service.js';

/** A query parameter given once, as text; a repeated one is refused by the service's checks as not text. */
const one = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Streaming dataset uploads and downloads. Uploads: `POST /v1/datasets/{name}` with the file as the raw body (text/csv or
 * application/x-ndjson, or ?format=csv|jsonl) and ?source=, ?license=, ?intendedUse= for the datasheet;
 * ?privacyEpsilon= (and ?allowNonPrivate=true) sets the dataset's privacy budget.
 * The token is checked before a byte of the body is read; the body streams into the store while hashing.
 * Answers 201 with the new version, or 200 with the existing one for content already registered.
 */
@Controller('v1/datasets')
export class DatasetsController {
  constructor(
    private readonly datasets: DatasetsService,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /** `GET /v1/datasets/{name}/versions/{version|latest}`: the version's content, streamed, with its sha256 in `x-custody-sha256`. */
  @Roles(...DATA_READ_ROLES)
  @Get(':name/versions/:version')
  async download(@Param('name') name: string, @Param('version') version: string, @Res() res: ServerResponse, @CurrentCaller() caller: Caller): Promise<void> {
    await sendStored(this.store, await this.datasets.download(name, version, caller), res);
  }

  @Roles(...MUTATION_ROLES.registerDataset)
  @Post(':name')
  async upload(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
    @CurrentCaller() caller: Caller,
  ) {
    const length = contentLength === undefined ? undefined : Number(contentLength);
    const { version, created } = await this.datasets.upload(
      { name, format: one(query.format), source: one(query.source), license: one(query.license), intendedUse: one(query.intendedUse), privacyEpsilon: one(query.privacyEpsilon), allowNonPrivate: one(query.allowNonPrivate), contentType, contentLength: length },
      req,
      caller.name,
    );
    res.statusCode = created ? 201 : 200;
    return version;
  }
}
