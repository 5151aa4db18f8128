import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { inSpan, tracingInstalled } from '../../observability/tracing.js';

/**
 * Each GraphQL root field and REST handler runs in a span of its own (`graphql mutation submitPipeline`,
 * `POST /v1/datasets/:name`), so what it calls (the Temporal client, the database) joins its trace. Nothing is
 * done while tracing is off.
 */
@Injectable()
export class TracingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!tracingInstalled()) return next.handle();
    return from(inSpan(spanName(context), () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}

function spanName(context: ExecutionContext): string {
  if (context.getType<string>() === 'graphql') {
    const info = GqlExecutionContext.create(context).getInfo<{ fieldName: string; operation: { operation: string } }>();
    return `graphql ${info.operation.operation} ${info.fieldName}`;
  }
  const request = context.switchToHttp().getRequest<{ method: string; route?: { path?: string }; path: string }>();
  return `${request.method} ${request.route?.path ?? request.path}`;
}
