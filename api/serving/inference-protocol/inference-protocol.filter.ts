import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '../../errors/domain-error.js';
import { HTTP_STATUS } from '../../errors/rest-error.js';

/**
 * The protocol's error answer, `{"error": "…"}`, for everything its routes refuse (the guard's 401 and 403
 * included), in place of Custody's own REST error body; an unexpected fault is logged and answered 500, never
 * with its stack.
 */
@Catch()
export class InferenceProtocolErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('InferenceProtocol');

  catch(exception: unknown, host: ArgumentsHost): void {
    const [status, message] = this.answer(exception);
    const body = JSON.stringify({ error: message });
    const request = host.switchToHttp().getRequest<IncomingMessage>();
    const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...(request.complete ? {} : { connection: 'close' }) };
    host.switchToHttp().getResponse<ServerResponse>().writeHead(status, headers).end(body);
  }

  private answer(exception: unknown): [number, string] {
    if (exception instanceof DomainError) return [HTTP_STATUS[exception.publicCode()], exception.message];
    if (exception instanceof HttpException) return [exception.getStatus(), exception.message];
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return [500, 'Internal server error'];
  }
}
