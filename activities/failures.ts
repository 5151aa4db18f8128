import { ApplicationFailure } from '@temporalio/activity';

/**
 * Failure types the workflow and operators see. Permanent ones are non-retryable: retrying bad input,
 * a schema mismatch or a missing dataset can never succeed.
 */
export const FailureType = {
  BadInput: 'BadInput',
  DatasetNotFound: 'DatasetNotFound',
  DataFormat: 'DataFormat',
  TrainerParams: 'TrainerParams',
  CommandTrainer: 'CommandTrainer',
  ModelNotFound: 'ModelNotFound',
  PrivacyBudgetRefused: 'PrivacyBudgetRefused',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export function permanentFailure(type: FailureType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}
