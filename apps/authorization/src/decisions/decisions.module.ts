import { Module, OnModuleInit } from '@nestjs/common';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { TenantsModule } from '../tenants/tenants.module';
import { DecisionServer } from './decision-server';
import { DecisionHandlers } from './decision.handlers';
import { DecisionService } from './decision.service';
import { EffectivePermissions } from './effective-permissions';
import { GrantLoader } from './grant-loader';
import { GrantsCache } from './grants-cache';

/** The decision engine: compiled grants (cached per process), `check`/`batchCheck`, explanations and effective permissions. */
@Module({
  imports: [InvalidationModule, SubjectsModule, TenantsModule],
  controllers: [DecisionHandlers],
  providers: [DecisionService, DecisionServer, EffectivePermissions, GrantLoader, GrantsCache],
  exports: [DecisionService, GrantLoader],
})
export class DecisionsModule implements OnModuleInit {
  constructor(private readonly invalidation: InvalidationBus, private readonly cache: GrantsCache) {}

  /** Every invalidation, local or broadcast, drops the subjects' compiled grants at once. */
  onModuleInit(): void {
    this.invalidation.onSubjectsChanged((subjectIds) => this.cache.invalidate(subjectIds));
  }
}
