import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'A pool of workers and how many poll its task queue.' })
export class WorkerPoolHealth {
  @Field({ description: 'orchestration (workflows and short activities) or training (trials).' }) pool!: string;
  @Field() taskQueue!: string;
  @Field(() => Int, { description: 'Workers that polled recently; 0 means that work will wait.' }) pollers!: number;
}

@ObjectType({ description: 'Whether the API can reach Temporal, and whether any worker polls its task queue.' })
export class TemporalHealth {
  @Field() reachable!: boolean;
  @Field() address!: string;
  @Field() namespace!: string;
  @Field() taskQueue!: string;
  @Field(() => Int, { nullable: true, description: 'Workers that polled the task queue recently; 0 means runs will wait.' })
  workerPollers?: number | null;
  @Field(() => [WorkerPoolHealth], { nullable: true, description: 'The worker pools: orchestration, and training on its own queue.' }) pools?: WorkerPoolHealth[] | null;
  @Field({ description: 'The Temporal Web UI, where every run has its page.' }) uiUrl!: string;
  @Field(() => String, { nullable: true }) error?: string | null;
}

@ObjectType({ description: 'Whether the API can reach its database, and which migration it runs on.' })
export class DatabaseHealth {
  @Field() reachable!: boolean;
  @Field({ description: 'postgres (DATABASE_URL) or pglite (embedded).' }) driver!: string;
  @Field(() => String, { nullable: true, description: 'Tag of the newest applied migration.' }) migration?: string | null;
  @Field(() => Int) pendingMigrations!: number;
  @Field(() => String, { nullable: true }) error?: string | null;
}

@ObjectType()
export class Health {
  @Field({ description: 'ok when Temporal and the database are both reachable, degraded otherwise.' }) status!: string;
  @Field() version!: string;
  @Field(() => TemporalHealth) temporal!: TemporalHealth;
  @Field(() => DatabaseHealth) database!: DatabaseHealth;
}

@ObjectType({ description: 'A round trip through Temporal to a worker and its database.' })
export class SelfCheck {
  @Field() workflowId!: string;
  @Field() driver!: string;
  @Field(() => String, { nullable: true }) migration?: string | null;
  @Field(() => Int) pendingMigrations!: number;
  @Field() taskQueue!: string;
  @Field(() => Int) durationMs!: number;
}
