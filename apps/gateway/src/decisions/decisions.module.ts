import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { DecisionCache } from './decision-cache';

/** authorization's decisions, cached per subject and invalidated by its broadcast. */
@Module({
  imports: [ObservabilityModule],
  providers: [DecisionCache],
  exports: [DecisionCache],
})
export class DecisionsModule {}
