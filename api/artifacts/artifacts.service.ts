import { Inject, Injectable } from '@nestjs/common';
import type { Repositories } from '../../db/repositories/index.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { collectGarbage } from '../../storage/collect-garbage.js';
import type { Caller } from '../access/principal.js';
import { auditRequest } from '../common/audit.js';
import { durationOrNaN } from '../common/validate.js';
import { ARTIFACT_STORE, REPOSITORIES } from '../core/tokens.js';
import { InputError } from '../errors/input-error.js';
import type { CollectArtifactsInput } from './dto/collect-artifacts.input.js';
import { LISTED, type ArtifactCollection } from './models/artifact-collection.model.js';

/** Garbage collection of the artifact store: content no record, history or spec refers to. */
@Injectable()
export class ArtifactsService {
  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /** One pass, a dry run unless asked otherwise, audited either way. */
  async collect(input: CollectArtifactsInput | undefined, caller: Caller): Promise<ArtifactCollection> {
    const dryRun = input?.dryRun ?? true;
    const minAge = input?.minAge ?? '24h';
    const minAgeMs = durationOrNaN(minAge);
    if (!(minAgeMs >= 3_600_000)) throw InputError.field('input.minAge', 'must be a duration of at least 1h, such as 24h or 7d');
    const report = await collectGarbage({ repos: this.repos, store: this.store }, { dryRun, minAgeMs });
    await auditRequest(this.repos, caller, {
      action: 'artifacts.collected',
      subjectType: 'artifact-store',
      subjectId: this.store.location,
      payload: { dryRun, minAge, scanned: report.scanned, removed: report.removed.length, bytesRemoved: report.bytesRemoved },
    });
    return { dryRun, minAge, scanned: report.scanned, kept: report.kept, removedCount: report.removed.length, bytesRemoved: report.bytesRemoved, removed: report.removed.slice(0, LISTED) };
  }
}
