import { Module } from '@nestjs/common';
import { GrantGuardClient } from '../common/grant-guard.client';
import { OAuthClientsHandlers } from './oauth-clients.handlers';
import { OAuthClientsService } from './oauth-clients.service';

/** OAuth clients of a tenant; the OIDC provider reads them through OAuthClientsService (findForProvider, verifySecret). */
@Module({
  controllers: [OAuthClientsHandlers],
  providers: [OAuthClientsService, GrantGuardClient],
  exports: [OAuthClientsService],
})
export class OAuthClientsModule {}
