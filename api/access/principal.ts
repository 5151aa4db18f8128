import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { PrincipalRow } from '../../db/schema/access.js';

/** The authenticated caller of this request, set by the auth guard. */
export interface Caller {
  name: string;
  role: PrincipalRow['role'];
  /** The token this request authenticated with. */
  tokenId?: string;
}

export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  if (context.getType() === 'http') return context.switchToHttp().getRequest<{ caller: Caller }>().caller;
  return GqlExecutionContext.create(context).getContext<{ caller: Caller }>().caller;
});
