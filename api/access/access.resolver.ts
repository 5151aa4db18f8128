import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AuditService } from './audit.service.js';
import { AuditTrailInput, CreateTokenInput, FirstAdminInput, RotateTokenInput, TokenIdInput } from './dto/access.input.js';
import { ApiToken, AuditEventConnection, AuditVerification, CreatedToken, Me } from './models/access.model.js';
import { CurrentCaller, type Caller } from './principal.js';
import { MUTATION_ROLES, Public, Roles } from './roles.js';
import { TokensService } from './tokens.service.js';

@Resolver()
export class AccessResolver {
  constructor(
    private readonly access: TokensService,
    private readonly audit: AuditService,
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
  @Query(() => Boolean, { description: 'True while no admin exists and the one-time code printed at start can create the first. Needs no token.' })
  firstAdminNeeded(): boolean {
    return this.access.firstAdminNeeded();
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

  @Roles(...MUTATION_ROLES.rotateToken)
  @Mutation(() => CreatedToken, {
    description: 'Issues a successor to a token (your own, or anyone\'s for an admin); the old one keeps working for the overlap, then stops. The new token is shown once.',
  })
  async rotateToken(@Args('input', { type: () => RotateTokenInput, nullable: true }) input: RotateTokenInput | undefined, @CurrentCaller() caller: Caller): Promise<CreatedToken> {
    const { token, row, role, name } = await this.access.rotate(input ?? {}, caller);
    return { token, details: { ...row, principalName: name, role } };
  }

  @Roles('admin')
  @Query(() => [ApiToken], { description: 'Every token, without secrets. Admins only.' })
  async tokens(): Promise<ApiToken[]> {
    return await this.access.list();
  }

  @Query(() => AuditEventConnection, { description: 'The audit history in chain order, filtered by subject, actor, action and time.' })
  async auditTrail(@Args('input', { nullable: true }) input?: AuditTrailInput): Promise<AuditEventConnection> {
    return await this.audit.trail(input);
  }

  @Query(() => AuditVerification, { description: 'Walks the whole audit chain and names the first altered, removed or reordered event.' })
  async verifyAuditTrail(): Promise<AuditVerification> {
    return await this.audit.verify();
  }
}
