import { Field, ID, InputType } from '@nestjs/graphql';

@InputType()
export class ModelInput {
  @Field() name!: string;
}

@InputType()
export class ModelVersionInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class DeploymentHistoryInput {
  @Field({ description: 'Model name.' }) model!: string;
  @Field({ nullable: true, description: 'Only the deployments serving at this instant: what was in production at time T, and who approved it.' })
  at?: Date;
}
