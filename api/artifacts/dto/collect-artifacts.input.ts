import { Field, InputType } from '@nestjs/graphql';

@InputType({ description: 'What garbage collection may remove: nothing, in a dry run (the default).' })
export class CollectArtifactsInput {
  @Field({ nullable: true, description: 'true (the default) only lists what would go; false removes it.' }) dryRun?: boolean;
  @Field({ nullable: true, description: 'Content younger than this is kept, such as 24h or 7d; 24h when omitted, at least 1h.' }) minAge?: string;
}
