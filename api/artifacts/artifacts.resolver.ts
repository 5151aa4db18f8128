import { Inject } from '@nestjs/common';
import { Args, Field, Float, InputType, Int, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { durationMs } from '../../domain/pipeline/spec.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { collectGarbage } from '../../storage/collect-garbage.js';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import { auditRequest } from '../common/audit.js';
import { ARTIFACT_STORE, REPOSITORIES } from '../core/tokens.js';
import { InputError } from '../errors/input-error.js';

const LISTED = 1000;

@InputType({ description: 'What garbage collection may remove: nothing, in a dry run (the default).' })
export class CollectArtifactsInput {
  @Field({ nullable: true, description: 'true (the default) only lists what would go; false removes it.' }) dryRun?: boolean;
  @Field({ nullable: true, description: 'Content younger than this is kept, such as 24h or 7d; 24h when omitted, at least 1h.' }) minAge?: string;
}

@ObjectType()
export class RemovedArtifact {
  @Field() sha256!: string;
  @Field(() => Float) sizeBytes!: number;
}

@ObjectType({ description: 'What garbage collection found and removed (or, in a dry run, would remove).' })
export class ArtifactCollection {
  @Field() dryRun!: boolean;
  @Field() minAge!: string;
  @Field(() => Int) scanned!: number;
  @Field(() => Int) kept!: number;
  @Field(() => Int) removedCount!: number;
  @Field(() => Float) bytesRemoved!: number;
  @Field(() => [RemovedArtifact], { description: `The first ${LISTED} removed.` }) removed!: RemovedArtifact[];
}

/** Garbage collection of the artifact store: content no record, history or spec refers to. Admins only. */
@Resolver()
export class ArtifactsResolver {
  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  @Roles(...MUTATION_ROLES.collectArtifacts)
  @Mutation(() => ArtifactCollection, {
    description:
      'Removes stored content that no dataset version, model version, trial, monitoring reference, drift report, model artifact, audit event, run step or spec refers to, and that is older than minAge. A dry run by default; audited. Admins only.',
  })
  async collectArtifacts(@Args('input', { type: () => CollectArtifactsInput, nullable: true }) input: CollectArtifactsInput | undefined, @CurrentCaller() caller: Caller): Promise<ArtifactCollection> {
    const dryRun = input?.dryRun ?? true;
    const minAge = input?.minAge ?? '24h';
    let minAgeMs: number;
    try {
      minAgeMs = durationMs(minAge);
    } catch {
      minAgeMs = NaN;
    }
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
