import { Module } from '@nestjs/common';
import { GrantsModule } from '../grants/grants.module';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { RolesModule } from '../roles/roles.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { TenantsModule } from '../tenants/tenants.module';
import { BindingsHandlers } from './bindings.handlers';
import { BindingsService } from './bindings.service';

@Module({
  imports: [RolesModule, GrantsModule, InvalidationModule, SubjectsModule, TenantsModule],
  controllers: [BindingsHandlers],
  providers: [BindingsService],
  exports: [BindingsService],
})
export class BindingsModule {}
