import { Module } from '@nestjs/common';
import { InvalidationBus } from './invalidation-bus';

/** "These grants changed", to every instance and gateway: below every context that changes or caches grants. */
@Module({ providers: [InvalidationBus], exports: [InvalidationBus] })
export class InvalidationModule {}
