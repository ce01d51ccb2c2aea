import { Module } from '@nestjs/common';
import { GrantsModule } from '../grants/grants.module';
import { GroupsModule } from '../groups/groups.module';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { TenantsModule } from '../tenants/tenants.module';
import { ScimGroupsHandlers } from './scim-groups.handlers';
import { ScimGroupsService } from './scim-groups.service';

/** A tenant's groups as SCIM provisioning reads and writes them (docs/scim.md). */
@Module({
  imports: [GrantsModule, GroupsModule, InvalidationModule, SubjectsModule, TenantsModule],
  controllers: [ScimGroupsHandlers],
  providers: [ScimGroupsService],
})
export class ScimGroupsModule {}
