import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessResolver } from './access.resolver.js';
import { AuditService } from './audit.service.js';
import { AuthGuard } from './auth.guard.js';
import { RefusalAudit } from './refusal-audit.js';
import { TokensService } from './tokens.service.js';
import { RefusalLimiter } from './refusal-limiter.js';

@Global()
@Module({
  providers: [AccessResolver, AuditService, TokensService, RefusalLimiter, RefusalAudit, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokensService, RefusalLimiter],
})
export class AccessModule {}
