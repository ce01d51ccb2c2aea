import { Module } from '@nestjs/common';
import { GrantsModule } from '../grants/grants.module';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { TenantsModule } from '../tenants/tenants.module';
import { GroupsHandlers } from './groups.handlers';
import { GroupsService } from './groups.service';

@Module({
  imports: [GrantsModule, InvalidationModule, SubjectsModule, TenantsModule],
  controllers: [GroupsHandlers],
  providers: [GroupsService],
  exports: [GroupsService],
})
export class GroupsModule {}
