import { Inject } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Repositories } from '../../db/repositories.js';
import { REPOSITORIES } from '../core/tokens.js';
import { AccessError } from './access.error.js';
import { AuditTrailInput, CreateTokenInput, FirstAdminInput, TokenIdInput } from './dto/access.input.js';
import { ApiToken, AuditEventConnection, AuditVerification, CreatedToken, Me } from './models/access.model.js';
import { CurrentCaller, type Caller } from './principal.js';
import { MUTATION_ROLES, Public, Roles } from './roles.js';
import { TokensService } from './tokens.service.js';

@Resolver()
export class AccessResolver {
  constructor(
    private readonly access: TokensService,
    @Inject(REPOSITORIES) private readonly repos: Repositories,
  ) {}

  @Query(() => Me, { description: 'Who this token belongs to.' })
  me(@CurrentCaller() caller: Caller): Me {
    return caller;
  }

  @Roles(...MUTATION_ROLES.createToken)
  @Mutation(() => CreatedToken, { description: 'Creates a principal (or changes its role) and issues it a token. Admins only.' })
  async createToken(@Args('input') input: CreateTokenInput, @CurrentCaller() caller: Caller): Promise<CreatedToken> {
    const { token, row, role, name } = await this.access.create(input, caller.name);
    return { token, details: { ...row, principalName: name, role } };
  }

  @Public()
  @Mutation(() => CreatedToken, { description: 'Creates the first admin on an empty database, with the one-time code printed on the server console at start.' })
  async createFirstAdminToken(@Args('input') input: FirstAdminInput): Promise<CreatedToken> {
    const { token, row, role, name } = await this.access.createFirstAdmin(input);
    return { token, details: { ...row, principalName: name, role } };
  }

  @Roles(...MUTATION_ROLES.revokeToken)
  @Mutation(() => ApiToken, { description: 'Revokes a token at once. Admins only.' })
  async revokeToken(@Args('input') input: TokenIdInput, @CurrentCaller() caller: Caller): Promise<ApiToken> {
    const row = await this.access.revoke(input.id, caller);
    const all = await this.access.list();
    return all.find((t) => t.id === row.id)!;
  }

  @Query(() => [ApiToken], { description: 'Every token, without secrets. Admins only.' })
  async tokens(@CurrentCaller() caller: Caller): Promise<ApiToken[]> {
    if (caller.role !== 'admin') {
      await this.access.recordRefusal(caller.name, 'tokens', 'FORBIDDEN', `tokens needs the role admin; ${caller.name} is ${caller.role}`);
      throw new AccessError('FORBIDDEN', `Forbidden: tokens needs the role admin; ${caller.name} is ${caller.role}`);
    }
    return await this.access.list();
  }

  @Query(() => AuditEventConnection, { description: 'The audit history in chain order, filtered by subject, actor, action and time.' })
  async auditTrail(@Args('input', { nullable: true }) input?: AuditTrailInput): Promise<AuditEventConnection> {
    const first = input?.first ?? 50;
    if (!Number.isInteger(first) || first < 1 || first > 500) throw new AccessError('INVALID_INPUT', 'input.first must be between 1 and 500', [{ path: 'input.first', message: 'must be between 1 and 500' }]);
    let after = 0;
    if (input?.after) {
      after = Number(Buffer.from(input.after, 'base64url').toString('utf8'));
      if (!Number.isSafeInteger(after) || after < 0) throw new AccessError('INVALID_INPUT', 'input.after is not a cursor this API returned', [{ path: 'input.after', message: 'is not a cursor this API returned' }]);
    }
    const rows = await this.repos.audit.list({ subjectId: input?.subjectId, actor: input?.actor, action: input?.action, from: input?.from, to: input?.to }, first + 1, after);
    const page = rows.slice(0, first);
    return {
      nodes: page,
      hasNextPage: rows.length > first,
      endCursor: page.length ? Buffer.from(String(page.at(-1)!.seq)).toString('base64url') : null,
    };
  }

  @Query(() => AuditVerification, { description: 'Walks the whole audit chain and names the first altered, removed or reordered event.' })
  async verifyAuditTrail(): Promise<AuditVerification> {
    return await this.repos.audit.verify();
  }
}
