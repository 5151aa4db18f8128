import { DomainError, type PublicErrorCode } from '../errors/domain-error.js';

export type DatasetErrorCode = 'DATASET_NOT_FOUND' | 'INVALID_INPUT' | 'TOO_LARGE' | 'PRIVACY_BUDGET_FIXED';

export class DatasetError extends DomainError<DatasetErrorCode> {
  readonly domain = 'datasets';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'DATASET_NOT_FOUND':
        return 'NOT_FOUND';
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
      case 'TOO_LARGE':
        return 'PAYLOAD_TOO_LARGE';
      case 'PRIVACY_BUDGET_FIXED':
        return 'CONFLICT';
    }
  }
}
