import { Module } from '@nestjs/common';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { LiveTenants } from './live-tenants';
import { TenantJoin } from './tenant-join';
import { TenantLifecycle } from './tenant-lifecycle';
import { TenantMembers } from './tenant-members';
import { TenantsHandlers } from './tenants.handlers';

/** Which tenants exist (live tenants, lifecycle events) and who is in one (members, joining with the default role). */
@Module({
  imports: [InvalidationModule, SubjectsModule],
  controllers: [TenantsHandlers],
  providers: [LiveTenants, TenantLifecycle, TenantMembers, TenantJoin],
  exports: [LiveTenants, TenantMembers, TenantJoin],
})
export class TenantsModule {}
