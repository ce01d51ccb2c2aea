import { Module } from '@nestjs/common';
import { FactorsModule } from '../factors/factors.module';
import { ImpersonationModule } from '../impersonation/impersonation.module';
import { KeysModule } from '../keys/keys.module';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { OAuthClientsModule } from '../oauth-clients/oauth-clients.module';
import { RevocationModule } from '../revocation/revocation.module';
import { OidcBridge } from './oidc-bridge';
import { OAuthClientsDirectory } from './oauth-clients-directory';
import { OidcClientDirectory } from './oidc-clients';
import { OidcHandlers } from './oidc.handlers';
import { OidcInteractions } from './oidc-interactions';
import { OidcProvider } from './oidc-provider';

/** The OpenID Connect provider (docs/oidc.md), reached over NATS through the gateway (OidcRpc.http). */
@Module({
  imports: [KeysModule, FactorsModule, LoginProtectionModule, RevocationModule, OAuthClientsModule, ImpersonationModule],
  controllers: [OidcHandlers],
  providers: [OidcProvider, OidcInteractions, OidcBridge, { provide: OidcClientDirectory, useClass: OAuthClientsDirectory }],
  exports: [OidcProvider],
})
export class OidcModule {}
