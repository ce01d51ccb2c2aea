import { Module } from '@nestjs/common';
import { BindingsModule } from '../bindings/bindings.module';
import { DecisionsModule } from '../decisions/decisions.module';
import { GrantsModule } from '../grants/grants.module';
import { GroupsModule } from '../groups/groups.module';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { TenantsModule } from '../tenants/tenants.module';
import { TenantAccessHandlers } from './tenant-access.handlers';
import { TenantAccessService } from './tenant-access.service';

@Module({
  imports: [DecisionsModule, GroupsModule, BindingsModule, GrantsModule, InvalidationModule, SubjectsModule, TenantsModule],
  controllers: [TenantAccessHandlers],
  providers: [TenantAccessService],
})
export class TenantAccessModule {}
