import { Field, Float, ID, InputType, Int } from '@nestjs/graphql';

@InputType({ description: 'Either id, or name with an optional version (the latest when omitted).' })
export class DatasetVersionInput {
  @Field(() => ID, { nullable: true }) id?: string;
  @Field({ nullable: true }) name?: string;
  @Field(() => Int, { nullable: true }) version?: number;
}

@InputType({ description: 'The total ε differentially private training on a dataset may spend. Set once; it is never changed after.' })
export class PrivacyBudgetInput {
  @Field(() => Float) epsilon!: number;
  @Field({ nullable: true, defaultValue: false, description: 'Let runs without training.privacy train on the dataset too.' }) allowNonPrivate?: boolean;
}

@InputType({ description: 'Registers data as a dataset version. Give content (small data, as text) or file (a path inside the import directory). Upload larger files by streaming them to POST /v1/datasets/{name}.' })
export class RegisterDatasetInput {
  @Field() name!: string;
  @Field({ nullable: true, description: 'The whole CSV (with a header line) or JSON Lines text; the request must fit the body limit (CUSTODY_BODY_LIMIT, 1 MB by default).' }) content?: string;
  @Field({ nullable: true, description: 'A path relative to CUSTODY_IMPORT_DIR.' }) file?: string;
  @Field({ nullable: true, description: 'csv or jsonl; inferred from the file name when omitted.' }) format?: string;
  @Field({ nullable: true }) source?: string;
  @Field({ nullable: true }) license?: string;
  @Field({ nullable: true }) intendedUse?: string;
  @Field(() => PrivacyBudgetInput, { nullable: true, description: 'Sets the dataset\'s privacy budget (once; the same budget again is accepted).' }) privacyBudget?: PrivacyBudgetInput;
}
