import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessResolver } from './access.resolver.js';
import { AuditService } from './audit.service.js';
import { AuthGuard } from './auth.guard.js';
import { TokensService } from './tokens.service.js';

@Global()
@Module({
  providers: [AccessResolver, AuditService, TokensService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokensService],
})
export class AccessModule {}
