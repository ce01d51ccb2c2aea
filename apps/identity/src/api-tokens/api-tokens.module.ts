import { Module } from '@nestjs/common';
import { GrantGuardClient } from '../common/grant-guard.client';
import { RevocationModule } from '../revocation/revocation.module';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { ApiTokensHandlers } from './api-tokens.handlers';
import { ApiTokensService } from './api-tokens.service';

@Module({
  imports: [RevocationModule, ServiceAccountsModule],
  controllers: [ApiTokensHandlers],
  providers: [ApiTokensService, GrantGuardClient],
})
export class ApiTokensModule {}
