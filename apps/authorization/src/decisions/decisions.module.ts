import { Module } from '@nestjs/common';
import { SubjectFactsService } from '../subjects/subject-facts.service';
import { DecisionHandlers } from './decision.handlers';
import { DecisionService } from './decision.service';
import { GrantLoader } from './grant-loader';
import { GrantsCache } from './grants-cache';
import { InvalidationBus } from './invalidation-bus';

@Module({
  controllers: [DecisionHandlers],
  providers: [DecisionService, GrantLoader, GrantsCache, InvalidationBus, SubjectFactsService],
  exports: [InvalidationBus, SubjectFactsService],
})
export class DecisionsModule {}
