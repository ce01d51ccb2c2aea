import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { RevocationModule } from '../revocation/revocation.module';
import { OidcBridge } from './oidc-bridge';
import { NoOidcClients, OidcClientDirectory } from './oidc-clients';
import { OidcHandlers } from './oidc.handlers';
import { OidcInteractions } from './oidc-interactions';
import { OidcProvider } from './oidc-provider';

/** The OpenID Connect provider (docs/oidc.md), reached over NATS through the gateway (OidcRpc.http). */
@Module({
  imports: [KeysModule, LoginProtectionModule, RevocationModule],
  controllers: [OidcHandlers],
  providers: [OidcProvider, OidcInteractions, OidcBridge, { provide: OidcClientDirectory, useClass: NoOidcClients }],
  exports: [OidcProvider],
})
export class OidcModule {}
