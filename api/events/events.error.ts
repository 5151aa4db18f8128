import { DomainError, type FieldIssue, type PublicErrorCode } from '../errors/domain-error.js';

export type EventsErrorCode = 'INVALID_INPUT' | 'WEBHOOK_NOT_FOUND';

export class EventsError extends DomainError<EventsErrorCode> {
  readonly domain = 'events';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
      case 'WEBHOOK_NOT_FOUND':
        return 'NOT_FOUND';
    }
  }

  static invalid(path: string, message: string): EventsError {
    return new EventsError('INVALID_INPUT', `${path} ${message}`, [{ path, message } satisfies FieldIssue]);
  }
}
