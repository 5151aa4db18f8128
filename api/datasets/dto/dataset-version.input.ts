import { Field, ID, InputType, Int } from '@nestjs/graphql';

@InputType({ description: 'Either id, or name with an optional version (the latest when omitted).' })
export class DatasetVersionInput {
  @Field(() => ID, { nullable: true }) id?: string;
  @Field({ nullable: true }) name?: string;
  @Field(() => Int, { nullable: true }) version?: number;
}

@InputType({ description: 'Registers data as a dataset version. Give content (the file as text) or file (a path inside the import directory).' })
export class RegisterDatasetInput {
  @Field() name!: string;
  @Field({ nullable: true, description: 'The whole CSV (with a header line) or JSON Lines text.' }) content?: string;
  @Field({ nullable: true, description: 'A path relative to CUSTODY_IMPORT_DIR.' }) file?: string;
  @Field({ nullable: true, description: 'csv or jsonl; inferred from the file name when omitted.' }) format?: string;
  @Field({ nullable: true }) source?: string;
  @Field({ nullable: true }) license?: string;
  @Field({ nullable: true }) intendedUse?: string;
}
