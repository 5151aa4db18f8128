import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Role } from '../../db/schema/access.js';
import { AccessError } from './access.error.js';
import type { Caller } from './principal.js';
import { PUBLIC_KEY, ROLES_KEY } from './roles.js';
import { TokensService } from './tokens.service.js';
import { authenticateRequest, requireRole } from './authorize.js';
import { sourceOf } from './refusal-limiter.js';

interface AuthContext {
  req?: { headers: Record<string, string | string[] | undefined>; ip?: string; socket?: { remoteAddress?: string } };
  caller?: Caller | null;
}

/**
 * Every root query and mutation needs a valid bearer token, except those marked @Public. Mutations
 * marked @Roles also need one of those roles (admin always passes). A refusal is a clear GraphQL error
 * (UNAUTHENTICATED or FORBIDDEN). A known principal's refusal is an audit event; one with no known
 * principal is only counted (per source and minute), so nobody without a token can grow the audit chain.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // GraphQL keeps the caller on its context; REST (serving) on the request itself.
    let ctx: AuthContext;
    let operation: string;
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<AuthContext['req'] & { method: string; path: string; caller?: Caller | null }>();
      ctx = Object.assign(req, { req });
      operation = `${req.method} ${req.path}`;
    } else {
      const gql = GqlExecutionContext.create(context);
      ctx = gql.getContext<AuthContext>();
      operation = gql.getInfo<{ fieldName: string }>().fieldName;
    }
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;

    if (ctx.caller === undefined) {
      try {
        ctx.caller = await authenticateRequest(this.tokens, ctx.req?.headers.authorization, ctx.req ? sourceOf(ctx.req) : 'unknown', operation);
      } catch (error) {
        // A refused caller stays refused for the rest of the request (a GraphQL document's other fields).
        ctx.caller = null;
        throw error;
      }
    }
    if (!ctx.caller) throw new AccessError('UNAUTHENTICATED', 'Not authenticated');
    await requireRole(this.tokens, ctx.caller, this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]), operation);
    return true;
  }
}
