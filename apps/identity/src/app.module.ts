import { GatehouseConfigModule } from '@gatehouse/config';
import { DatabaseModule } from '@gatehouse/database';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { HealthModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { IdentityEnv } from './identity.env';
import { KeysModule } from './keys/keys.module';
import { SigningKeyEntity } from './keys/signing-key.entity';
import { IDENTITY_MIGRATIONS } from './migrations';
import { PasswordsModule } from './passwords/passwords.module';
import { RefreshTokenEntity } from './sessions/refresh-token.entity';
import { SessionsModule } from './sessions/sessions.module';
import { SetupModule } from './setup/setup.module';
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
          entities: [UserEntity, RefreshTokenEntity, SigningKeyEntity],
          migrations: IDENTITY_MIGRATIONS,
        }),
        MessagingModule.forRoot({ service: SERVICE, schema: SERVICE, settings: env }),
        HealthModule.forRoot({ database: true }),
        PasswordsModule,
        KeysModule,
        UsersModule,
        SessionsModule,
        SetupModule,
      ],
    };
  }
}
