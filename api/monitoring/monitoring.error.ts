import { DomainError, type FieldIssue, type PublicErrorCode } from '../errors/domain-error.js';

export type MonitoringErrorCode =
  | 'INVALID_INPUT'
  | 'MODEL_NOT_FOUND'
  | 'REPORT_NOT_FOUND'
  | 'SCHEDULE_NOT_FOUND'
  | 'SCHEDULE_EXISTS'
  | 'TEMPORAL_UNAVAILABLE';

export class MonitoringError extends DomainError<MonitoringErrorCode> {
  readonly domain = 'monitoring';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
      case 'MODEL_NOT_FOUND':
      case 'REPORT_NOT_FOUND':
      case 'SCHEDULE_NOT_FOUND':
        return 'NOT_FOUND';
      case 'SCHEDULE_EXISTS':
        return 'CONFLICT';
      case 'TEMPORAL_UNAVAILABLE':
        return 'UNAVAILABLE';
    }
  }

  static invalid(path: string, message: string): MonitoringError {
    return new MonitoringError('INVALID_INPUT', `${path} ${message}`, [{ path, message } satisfies FieldIssue]);
  }
}
