import { Module } from '@nestjs/common';
import { GrantsModule } from '../grants/grants.module';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { TenantsModule } from '../tenants/tenants.module';
import { RolesHandlers } from './roles.handlers';
import { RolesService } from './roles.service';

@Module({
  imports: [GrantsModule, InvalidationModule, TenantsModule],
  controllers: [RolesHandlers],
  providers: [RolesService],
  exports: [RolesService],
})
export class RolesModule {}
