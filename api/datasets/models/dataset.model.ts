import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType({ description: 'One column of a dataset version: its kind and profile, the reference for drift monitoring.' })
export class ColumnProfile {
  @Field() name!: string;
  @Field({ description: 'numeric or categorical' }) kind!: string;
  @Field(() => Int) count!: number;
  @Field(() => Int) nullCount!: number;
  @Field(() => Int) nanCount!: number;
  @Field(() => Float, { nullable: true }) min?: number;
  @Field(() => Float, { nullable: true }) max?: number;
  @Field(() => Float, { nullable: true }) mean?: number;
  @Field(() => Float, { nullable: true }) std?: number;
  @Field(() => GraphQLJSON, { nullable: true, description: '{ edges: [Float], counts: [Int] }' }) histogram?: unknown;
  @Field(() => GraphQLJSON, { nullable: true, description: 'value → frequency, for the most frequent values' }) categories?: unknown;
  @Field(() => Int, { nullable: true }) distinct?: number;
}

@ObjectType({ description: 'An immutable, content-addressed version of a dataset.' })
export class DatasetVersion {
  @Field(() => ID) id!: string;
  @Field() datasetName!: string;
  @Field(() => Int) version!: number;
  @Field({ description: 'sha256 of the bytes: identical content is always the same version.' }) sha256!: string;
  @Field() format!: string;
  @Field(() => Float) sizeBytes!: number;
  @Field(() => Int) rowCount!: number;
  @Field(() => [ColumnProfile]) columns!: ColumnProfile[];
  @Field(() => String, { nullable: true }) source?: string | null;
  @Field(() => String, { nullable: true }) license?: string | null;
  @Field(() => String, { nullable: true }) intendedUse?: string | null;
  @Field() registeredBy!: string;
  @Field() createdAt!: Date;
}



@ObjectType()
export class Dataset {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'One draw on a privacy budget: the ε (and δ) a run\'s differentially private training may spend.' })
export class PrivacyDraw {
  @Field(() => ID) runId!: string;
  @Field(() => Float) epsilon!: number;
  @Field(() => Float) delta!: number;
  @Field() drawnBy!: string;
  @Field() drawnAt!: Date;
}

@ObjectType({ description: 'The total ε that private training on this dataset may spend, with its ledger. ε adds up over runs (sequential composition).' })
export class PrivacyBudgetLedger {
  @Field(() => Float) epsilon!: number;
  @Field({ description: 'Whether runs without training.privacy may train on the dataset.' }) allowNonPrivate!: boolean;
  @Field(() => Float) spent!: number;
  @Field(() => Float) remaining!: number;
  @Field(() => [PrivacyDraw], { description: 'Oldest first.' }) draws!: PrivacyDraw[];
}
