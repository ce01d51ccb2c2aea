import { linkTokenSealerProvider } from '@gatehouse/database';
import { Module } from '@nestjs/common';
import { AuthorizationEnv } from '../authorization.env';
import { BindingsModule } from '../bindings/bindings.module';
import { GrantsModule } from '../grants/grants.module';
import { GroupsModule } from '../groups/groups.module';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { RolesModule } from '../roles/roles.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { TenantsModule } from '../tenants/tenants.module';
import { InvitationsHandlers } from './invitations.handlers';
import { InvitationsService } from './invitations.service';

@Module({
  imports: [RolesModule, GroupsModule, BindingsModule, GrantsModule, InvalidationModule, SubjectsModule, TenantsModule],
  controllers: [InvitationsHandlers],
  providers: [InvitationsService, linkTokenSealerProvider(AuthorizationEnv)],
})
export class InvitationsModule {}
