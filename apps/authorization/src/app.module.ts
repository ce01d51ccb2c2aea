import { GatehouseConfigModule } from '@gatehouse/config';
import { DatabaseModule } from '@gatehouse/database';
import { DurableEventsModule } from '@gatehouse/durable-events';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { HealthModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { AuthorizationEnv } from './authorization.env';
import { BindingEntity } from './bindings/binding.entity';
import { BindingsModule } from './bindings/bindings.module';
import { CatalogueModule } from './catalogue/catalogue.module';
import { DecisionsModule } from './decisions/decisions.module';
import { GrantsModule } from './grants/grants.module';
import { GroupEntity } from './groups/group.entity';
import { GroupsModule } from './groups/groups.module';
import { InvalidationModule } from './invalidation/invalidation.module';
import { InvitationEntity } from './invitations/invitation.entity';
import { InvitationsModule } from './invitations/invitations.module';
import { AUTHORIZATION_MIGRATIONS } from './migrations';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { RoleEntity } from './roles/role.entity';
import { RolesModule } from './roles/roles.module';
import { SubjectFactEntity } from './subjects/subject-fact.entity';
import { SubjectsModule } from './subjects/subjects.module';
import { TenantAccessModule } from './tenant-access/tenant-access.module';
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
        // One module per bounded context, lowest first: each imports only contexts listed before it,
        // through their modules' exports (never the other way round; see README.md beside this file).
        InvalidationModule,
        SubjectsModule,
        TenantsModule,
        DecisionsModule,
        GrantsModule,
        CatalogueModule,
        RolesModule,
        GroupsModule,
        BindingsModule,
        TenantAccessModule,
        InvitationsModule,
        ProvisioningModule,
      ],
    };
  }
}
