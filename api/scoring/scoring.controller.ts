import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { DATA_READ_ROLES, Roles } from '../access/roles.js';
import { ARTIFACT_STORE } from '../core/tokens.js';
import { sendStored } from '../http/send-stored.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { ScoringService } from './scoring.service.js';

/** A scoring job's rejects file, streamed: the scores themselves are a dataset version (`GET /v1/datasets/{name}/versions/{version}`). */
@Controller('v1/scoring-jobs')
export class ScoringController {
  constructor(
    private readonly scoring: ScoringService,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /** `GET /v1/scoring-jobs/{id}/rejects`: each rejected row's number and reason, as CSV. */
  @Roles(...DATA_READ_ROLES)
  @Get(':id/rejects')
  async rejects(@Param('id') id: string, @Res() res: ServerResponse, @CurrentCaller() caller: Caller): Promise<void> {
    await sendStored(this.store, await this.scoring.rejects(id, caller), res);
  }
}
