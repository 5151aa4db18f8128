import { DomainError, type FieldIssue, type PublicErrorCode } from '../errors/domain-error.js';

export type RunErrorCode =
  | 'INVALID_SPEC'
  | 'INVALID_INPUT'
  | 'RUN_NOT_FOUND'
  | 'GATE_DECISION_REFUSED'
  | 'RUN_NOT_ACTIVE'
  | 'RUN_NOT_RESUMABLE'
  | 'RUN_NOT_REPRODUCIBLE'
  | 'RUN_NOT_STARTED'
  | 'PRIVACY_BUDGET_REFUSED'
  | 'TEMPORAL_UNAVAILABLE';

export class RunError extends DomainError<RunErrorCode> {
  readonly domain = 'runs';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'INVALID_SPEC':
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
      case 'RUN_NOT_FOUND':
        return 'NOT_FOUND';
      case 'GATE_DECISION_REFUSED':
      case 'RUN_NOT_ACTIVE':
      case 'RUN_NOT_RESUMABLE':
      case 'RUN_NOT_REPRODUCIBLE':
      case 'RUN_NOT_STARTED':
      case 'PRIVACY_BUDGET_REFUSED':
        return 'CONFLICT';
      case 'TEMPORAL_UNAVAILABLE':
        return 'UNAVAILABLE';
    }
  }

  static invalid(path: string, message: string): RunError {
    return new RunError('INVALID_INPUT', `${path} ${message}`, [{ path, message } satisfies FieldIssue]);
  }
}
