import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { LineageDirection } from '../models/lineage.model.js';

@InputType()
export class LineageInput {
  @Field(() => ID, { description: 'Any dataset version, run, trial, model version or deployment id.' }) nodeId!: string;
  @Field(() => LineageDirection, { nullable: true, description: 'BOTH when omitted.' }) direction?: LineageDirection;
  @Field(() => Int, { nullable: true, description: 'Hops, 1 to 10; 5 when omitted.' }) depth?: number;
}
