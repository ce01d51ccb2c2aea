import { Module } from '@nestjs/common';
import { SubjectDirectory } from '../common/subject-directory';
import { TenantMembers } from '../common/tenant-members';
import { SubjectFactsHandlers } from '../subjects/subject-facts.handlers';
import { SubjectFactsService } from '../subjects/subject-facts.service';
import { LiveTenants } from '../tenants/live-tenants';
import { DecisionServer } from './decision-server';
import { DecisionHandlers } from './decision.handlers';
import { DecisionService } from './decision.service';
import { EffectivePermissions } from './effective-permissions';
import { GrantLoader } from './grant-loader';
import { GrantsCache } from './grants-cache';
import { InvalidationBus } from './invalidation-bus';

@Module({
  controllers: [DecisionHandlers, SubjectFactsHandlers],
  providers: [
    DecisionService, DecisionServer, EffectivePermissions, GrantLoader, GrantsCache, InvalidationBus, SubjectFactsService,
    LiveTenants, TenantMembers, SubjectDirectory,
  ],
  exports: [InvalidationBus, SubjectFactsService, LiveTenants, DecisionService, GrantLoader, TenantMembers, SubjectDirectory],
})
export class DecisionsModule {}
