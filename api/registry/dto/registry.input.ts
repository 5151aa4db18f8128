import { Field, ID, InputType, Int, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

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

@InputType({ description: 'A model trained elsewhere, as an ONNX file already uploaded (POST /v1/models/{name}/import), to evaluate and govern as a run.' })
export class ImportModelInput {
  @Field({ description: 'The model name to register it under.' }) model!: string;
  @Field({ description: 'The data it is evaluated on: NAME (the latest version) or NAME@VERSION.' }) dataset!: string;
  @Field({ description: 'The column it predicts.' }) target!: string;
  @Field({ description: 'The sha256 of the ONNX file, as the upload answered it.' }) file!: string;
  @Field(() => GraphQLJSON, { nullable: true, description: 'The rest of the pipeline (evaluation, fairness, gates, deployment); its training, dataset, target, task and features are the import\'s. One approval gate and f1 or rmse when left out.' })
  spec?: unknown;
}
