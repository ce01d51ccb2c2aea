import { Global, Module } from '@nestjs/common';
import { GrantGuardClient } from '../common/grant-guard.client';
import { DirectorySignIn } from '../login-protection/directory-sign-in';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { FederatedSignIn } from './federated-sign-in';
import { FederationHandlers } from './federation.handlers';
import { IdentityLinksService } from './identity-links.service';
import { IdentityProvidersService } from './identity-providers.service';
import { SamlServiceProviderEndpoints } from './saml-sign-in';
import { UpstreamSignIn } from './upstream-sign-in';

/**
 * Federation (docs/federation.md): identity providers, their links to users, and signing in through them.
 * Global for DirectorySignIn and UpstreamSignIn: PasswordAuthenticator (login-protection, below users) and the
 * OpenID provider's interactions (oidc/) ask them without importing this module, which needs users and sessions.
 */
@Global()
@Module({
  imports: [UsersModule, LoginProtectionModule, SessionsModule],
  controllers: [FederationHandlers],
  providers: [
    IdentityProvidersService, IdentityLinksService, FederatedSignIn, UpstreamSignIn, SamlServiceProviderEndpoints, GrantGuardClient, { provide: DirectorySignIn, useExisting: FederatedSignIn },
  ],
  exports: [DirectorySignIn, IdentityProvidersService, UpstreamSignIn],
})
export class FederationModule {}
