import { GatehouseConfigModule } from '@gatehouse/config';
import { DatabaseModule } from '@gatehouse/database';
import { DurableEventsModule } from '@gatehouse/durable-events';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { HealthModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from './access/access.module';
import { BindingEntity } from './access/binding.entity';
import { RoleEntity } from './access/role.entity';
import { AuthorizationEnv } from './authorization.env';
import { DecisionsModule } from './decisions/decisions.module';
import { GroupEntity } from './groups/group.entity';
import { InvitationEntity } from './invitations/invitation.entity';
import { AUTHORIZATION_MIGRATIONS } from './migrations';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { SubjectFactEntity } from './subjects/subject-fact.entity';
import { TenantsModule } from './tenants/tenants.module';

export const SERVICE = 'authorization';

@Module({})
export class AuthorizationAppModule {
  static register(env: AuthorizationEnv): DynamicModule {
    return {
      module: AuthorizationAppModule,
      imports: [
        GatehouseConfigModule.forRoot(AuthorizationEnv, env),
        LoggingModule.forRoot({ service: SERVICE, level: env.LOG_LEVEL }),
        DatabaseModule.forRoot({
          url: env.DATABASE_URL,
          schema: SERVICE,
          poolSize: env.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          entities: [RoleEntity, BindingEntity, SubjectFactEntity, GroupEntity, InvitationEntity],
          migrations: AUTHORIZATION_MIGRATIONS,
        }),
        MessagingModule.forRoot({ service: SERVICE, settings: env }),
        DurableEventsModule.forRoot({ service: SERVICE, schema: SERVICE, outboxRetentionHours: env.OUTBOX_RETENTION_HOURS }),
        HealthModule.forRoot({ database: true }),
        DecisionsModule,
        ProvisioningModule,
        TenantsModule,
        AccessModule,
      ],
    };
  }
}
