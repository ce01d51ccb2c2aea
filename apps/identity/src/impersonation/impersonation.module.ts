import { Module } from '@nestjs/common';
import { GrantGuardClient } from '../common/grant-guard.client';
import { KeysModule } from '../keys/keys.module';
import { ImpersonationHandlers } from './impersonation.handlers';
import { ImpersonationService } from './impersonation.service';

/** Impersonation (RFC 8693 token exchange, docs/oidc.md): the provider's grant and the console's API. */
@Module({
  imports: [KeysModule],
  controllers: [ImpersonationHandlers],
  providers: [ImpersonationService, GrantGuardClient],
  exports: [ImpersonationService],
})
export class ImpersonationModule {}
