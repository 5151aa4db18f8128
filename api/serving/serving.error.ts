import { DomainError, type PublicErrorCode } from '../errors/domain-error.js';

export type ServingErrorCode = 'INVALID_INPUT' | 'MODEL_NOT_DEPLOYED' | 'VERSION_NOT_DEPLOYED' | 'PREDICTION_NOT_FOUND' | 'ALREADY_LABELLED' | 'MODEL_UNAVAILABLE' | 'NO_SUCH_ROUTE';

export class ServingError extends DomainError<ServingErrorCode> {
  readonly domain = 'serving';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
      case 'MODEL_NOT_DEPLOYED':
      case 'VERSION_NOT_DEPLOYED':
      case 'PREDICTION_NOT_FOUND':
      case 'NO_SUCH_ROUTE':
        return 'NOT_FOUND';
      case 'ALREADY_LABELLED':
        return 'CONFLICT';
      case 'MODEL_UNAVAILABLE':
        return 'UNAVAILABLE';
    }
  }

  static field(path: string, message: string): ServingError {
    return new ServingError('INVALID_INPUT', `${path} ${message}`, [{ path, message }]);
  }
}
