import { Module } from '@nestjs/common';
import { GrantsModule } from '../grants/grants.module';
import { GroupsModule } from '../groups/groups.module';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { TenantsModule } from '../tenants/tenants.module';
import { FederationGroupsHandlers } from './federation-groups.handlers';
import { FederationGroupsService } from './federation-groups.service';

/** Identity providers' group mappings, judged and applied through the grant guard (docs/federation.md). */
@Module({
  imports: [GrantsModule, GroupsModule, InvalidationModule, TenantsModule],
  controllers: [FederationGroupsHandlers],
  providers: [FederationGroupsService],
})
export class FederationGroupsModule {}
