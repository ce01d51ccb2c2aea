import { Global, Module } from '@nestjs/common';
import { GrantGuardClient } from '../common/grant-guard.client';
import { DirectorySignIn } from '../login-protection/directory-sign-in';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { UsersModule } from '../users/users.module';
import { FederatedSignIn } from './federated-sign-in';
import { FederationHandlers } from './federation.handlers';
import { IdentityLinksService } from './identity-links.service';
import { IdentityProvidersService } from './identity-providers.service';

/**
 * Federation (docs/federation.md): identity providers, their links to users, and signing in through them.
 * Global for DirectorySignIn only: PasswordAuthenticator (login-protection, below users) asks it without
 * importing this module, which needs users.
 */
@Global()
@Module({
  imports: [UsersModule, LoginProtectionModule],
  controllers: [FederationHandlers],
  providers: [IdentityProvidersService, IdentityLinksService, FederatedSignIn, GrantGuardClient, { provide: DirectorySignIn, useExisting: FederatedSignIn }],
  exports: [DirectorySignIn, IdentityProvidersService],
})
export class FederationModule {}
