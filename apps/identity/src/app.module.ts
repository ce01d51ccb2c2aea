import { GatehouseConfigModule } from '@gatehouse/config';
import { DatabaseModule } from '@gatehouse/database';
import { DurableEventsModule } from '@gatehouse/durable-events';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { HealthModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { IdentityEnv } from './identity.env';
import { ApiTokenEntity } from './api-tokens/api-token.entity';
import { ApiTokensModule } from './api-tokens/api-tokens.module';
import { KeysModule } from './keys/keys.module';
import { SigningKeyEntity } from './keys/signing-key.entity';
import { IDENTITY_MIGRATIONS } from './migrations';
import { PasswordFlowsModule } from './password-flows/password-flows.module';
import { PasswordsModule } from './passwords/passwords.module';
import { RevocationModule } from './revocation/revocation.module';
import { ServiceAccountEntity } from './service-accounts/service-account.entity';
import { ServiceAccountsModule } from './service-accounts/service-accounts.module';
import { RefreshTokenEntity } from './sessions/refresh-token.entity';
import { SessionsModule } from './sessions/sessions.module';
import { UserSettingsModule } from './settings/user-settings.module';
import { SetupModule } from './setup/setup.module';
import { TenantCleanupModule } from './tenant-cleanup/tenant-cleanup.service';
import { UserEntity } from './users/user.entity';
import { UsersModule } from './users/users.module';

export const SERVICE = 'identity';

@Module({})
export class IdentityAppModule {
  static register(env: IdentityEnv): DynamicModule {
    return {
      module: IdentityAppModule,
      imports: [
        GatehouseConfigModule.forRoot(IdentityEnv, env),
        LoggingModule.forRoot({ service: SERVICE, level: env.LOG_LEVEL }),
        DatabaseModule.forRoot({
          url: env.DATABASE_URL,
          schema: SERVICE,
          poolSize: env.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          entities: [UserEntity, RefreshTokenEntity, SigningKeyEntity, ServiceAccountEntity, ApiTokenEntity],
          migrations: IDENTITY_MIGRATIONS,
        }),
        MessagingModule.forRoot({ service: SERVICE, settings: env }),
        DurableEventsModule.forRoot({ service: SERVICE, schema: SERVICE, outboxRetentionHours: env.OUTBOX_RETENTION_HOURS }),
        HealthModule.forRoot({ database: true }),
        PasswordsModule,
        KeysModule,
        UsersModule,
        SessionsModule,
        SetupModule,
        RevocationModule,
        PasswordFlowsModule,
        ServiceAccountsModule,
        ApiTokensModule,
        UserSettingsModule,
        TenantCleanupModule,
      ],
    };
  }
}
