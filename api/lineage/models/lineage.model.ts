import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum LineageDirection {
  UPSTREAM = 'UPSTREAM',
  DOWNSTREAM = 'DOWNSTREAM',
  BOTH = 'BOTH',
}
registerEnumType(LineageDirection, { name: 'LineageDirection', description: 'UPSTREAM: what it came from; DOWNSTREAM: what came from it.' });

@ObjectType({ description: 'A dataset version, run, trial, model version, deployment or drift report in the lineage graph.' })
export class LineageNode {
  @Field(() => ID) id!: string;
  @Field({ description: 'dataset_version, run, trial, model_version, deployment or drift_report' }) type!: string;
  @Field(() => Int, { description: 'Hops from the node asked about.' }) depth!: number;
}

@ObjectType()
export class LineageEdge {
  @Field(() => ID) fromId!: string;
  @Field(() => ID) toId!: string;
  @Field({ description: 'input_of, trained, registered_as, produced, deployed_as, monitored (version → drift report), triggered (drift report → retraining), or how a run came from another (resume, reproduce, retrain)' })
  relation!: string;
}

@ObjectType()
export class Lineage {
  @Field(() => LineageNode) root!: LineageNode;
  @Field(() => [LineageNode]) nodes!: LineageNode[];
  @Field(() => [LineageEdge]) edges!: LineageEdge[];
}
