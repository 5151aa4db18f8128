import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessResolver } from './access.resolver.js';
import { AuthGuard } from './auth.guard.js';
import { TokensService } from './tokens.service.js';

@Global()
@Module({
  providers: [AccessResolver, TokensService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokensService],
})
export class AccessModule {}
