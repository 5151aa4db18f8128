import { DomainError, type FieldIssue, type PublicErrorCode } from '../errors/domain-error.js';

export type ScoringErrorCode = 'INVALID_INPUT' | 'NOT_FOUND' | 'JOB_NOT_FOUND' | 'JOB_NOT_STARTED' | 'JOB_NOT_RUNNING' | 'TEMPORAL_UNAVAILABLE';

export class ScoringError extends DomainError<ScoringErrorCode> {
  readonly domain = 'scoring';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
      case 'NOT_FOUND':
      case 'JOB_NOT_FOUND':
        return 'NOT_FOUND';
      case 'JOB_NOT_RUNNING':
        return 'CONFLICT';
      case 'JOB_NOT_STARTED':
      case 'TEMPORAL_UNAVAILABLE':
        return 'UNAVAILABLE';
    }
  }

  static field(code: 'INVALID_INPUT' | 'NOT_FOUND', path: string, message: string): ScoringError {
    return new ScoringError(code, `${path} ${message}`, [{ path, message } satisfies FieldIssue]);
  }
}
