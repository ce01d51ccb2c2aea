import { ownedSchema } from '@gatehouse/durable-events';
import { ServiceModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { AuthorizationEnv } from './authorization.env';
import { BindingEntity } from './bindings/binding.entity';
import { BindingsModule } from './bindings/bindings.module';
import { CatalogueModule } from './catalogue/catalogue.module';
import { DecisionsModule } from './decisions/decisions.module';
import { FederationGroupsModule } from './federation-groups/federation-groups.module';
import { GrantsModule } from './grants/grants.module';
import { GroupEntity } from './groups/group.entity';
import { GroupsModule } from './groups/groups.module';
import { InvalidationModule } from './invalidation/invalidation.module';
import { InvitationEntity } from './invitations/invitation.entity';
import { InvitationsModule } from './invitations/invitations.module';
import { AUTHORIZATION_MIGRATIONS } from './migrations';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { RoleEntity } from './roles/role.entity';
import { ScimGroupsModule } from './scim-groups/scim-groups.module';
import { RolesModule } from './roles/roles.module';
import { SubjectFactEntity } from './subjects/subject-fact.entity';
import { SubjectsModule } from './subjects/subjects.module';
import { TenantAccessModule } from './tenant-access/tenant-access.module';
import { TenantsModule } from './tenants/tenants.module';
import { SERVICE } from './service-name';

/** Authorization's tables and its bounded contexts, lowest first: what the service runs, and what its unit specs wire too. */
export const AUTHORIZATION_SCHEMA = {
  entities: [RoleEntity, BindingEntity, SubjectFactEntity, GroupEntity, InvitationEntity], migrations: AUTHORIZATION_MIGRATIONS,
};
// One module per bounded context, lowest first: each imports only contexts listed before it,
// through their modules' exports (never the other way round; see README.md beside this file).
export const AUTHORIZATION_CONTEXTS = [
  InvalidationModule, SubjectsModule, TenantsModule, DecisionsModule, GrantsModule, CatalogueModule, RolesModule, GroupsModule,
  BindingsModule, TenantAccessModule, InvitationsModule, ProvisioningModule, ScimGroupsModule, FederationGroupsModule,
];

@Module({})
export class AuthorizationAppModule {
  static register(env: AuthorizationEnv): DynamicModule {
    return {
      module: AuthorizationAppModule,
      imports: [
        ServiceModule.forService({
          name: SERVICE,
          envClass: AuthorizationEnv,
          env,
          database: ownedSchema(AUTHORIZATION_SCHEMA),
        }),
        ...AUTHORIZATION_CONTEXTS,
      ],
    };
  }
}
