import { Field, ID, InputType, Int, registerEnumType } from '@nestjs/graphql';

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

/** The exchange formats a model version can be exported in. */
export enum ExportFormat {
  ONNX = 'onnx',
  BUNDLE = 'bundle',
}
registerEnumType(ExportFormat, {
  name: 'ExportFormat',
  description:
    'ONNX: the model with its learned preprocessing, for ONNX Runtime and the servers built on it. BUNDLE: a signed .tar.gz with the native model, its ONNX graph where it has one, model card, datasheet, training environment, input schema, metrics and a Dockerfile that serves it alone (custody serve); its manifest is signed with the key at /v1/keys.',
});

@InputType({ description: 'A model version to export; the version serving production when `version` is left out.' })
export class ExportModelInput {
  @Field({ description: 'Model name.' }) model!: string;
  @Field(() => Int, { nullable: true }) version?: number | null;
  @Field(() => ExportFormat, { defaultValue: ExportFormat.ONNX }) format!: ExportFormat;
}
