import { Field, Float, Int, ObjectType } from '@nestjs/graphql';

/** How many removed artifacts an answer lists. */
export const LISTED = 1000;

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
