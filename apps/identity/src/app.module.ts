import { ownedSchema } from '@gatehouse/durable-events';
import { ServiceModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { EmailVerificationModule } from './email-verification/email-verification.module';
import { IdentityEnv } from './identity.env';
import { ApiTokenEntity } from './api-tokens/api-token.entity';
import { ApiTokensModule } from './api-tokens/api-tokens.module';
import { FactorsModule } from './factors/factors.module';
import { IdentityLinkEntity } from './federation/identity-link.entity';
import { IdentityProviderEntity } from './federation/identity-provider.entity';
import { FederationModule } from './federation/federation.module';
import { KeysModule } from './keys/keys.module';
import { SigningKeyEntity } from './keys/signing-key.entity';
import { IDENTITY_MIGRATIONS } from './migrations';
import { OAuthClientEntity } from './oauth-clients/oauth-client.entity';
import { OAuthClientsModule } from './oauth-clients/oauth-clients.module';
import { OidcModule } from './oidc/oidc.module';
import { PasswordFlowsModule } from './password-flows/password-flows.module';
import { PasswordsModule } from './passwords/passwords.module';
import { IntegrationEntity } from './provisioning/integration.entity';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { RevocationModule } from './revocation/revocation.module';
import { ServiceAccountEntity } from './service-accounts/service-account.entity';
import { ServiceAccountsModule } from './service-accounts/service-accounts.module';
import { RefreshTokenEntity } from './sessions/refresh-token.entity';
import { SessionsModule } from './sessions/sessions.module';
import { UserSettingsModule } from './settings/user-settings.module';
import { SetupModule } from './setup/setup.module';
import { TenantCleanupModule } from './tenant-cleanup/tenant-cleanup.module';
import { UserEntity } from './users/user.entity';
import { UsersModule } from './users/users.module';
import { SERVICE } from './service-name';

/** Identity's tables and its bounded contexts: what the service runs, and what its unit specs wire too. */
export const IDENTITY_SCHEMA = { entities: [UserEntity, RefreshTokenEntity, SigningKeyEntity, ServiceAccountEntity, ApiTokenEntity, OAuthClientEntity, IntegrationEntity, IdentityProviderEntity, IdentityLinkEntity], migrations: IDENTITY_MIGRATIONS };
export const IDENTITY_CONTEXTS = [
  PasswordsModule, KeysModule, UsersModule, SessionsModule, SetupModule, RevocationModule, PasswordFlowsModule, ServiceAccountsModule, ApiTokensModule, UserSettingsModule, TenantCleanupModule,
  OAuthClientsModule, OidcModule, EmailVerificationModule, FactorsModule, ProvisioningModule, FederationModule,
];

@Module({})
export class IdentityAppModule {
  static register(env: IdentityEnv): DynamicModule {
    return {
      module: IdentityAppModule,
      imports: [
        ServiceModule.forService({
          name: SERVICE,
          envClass: IdentityEnv,
          env,
          database: ownedSchema(IDENTITY_SCHEMA),
        }),
        ...IDENTITY_CONTEXTS,
      ],
    };
  }
}
