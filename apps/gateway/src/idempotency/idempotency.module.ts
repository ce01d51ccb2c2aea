import { Module } from '@nestjs/common';
import { IdempotencyStore } from './idempotency-store';

/** `Idempotency-Key` for writes, shared by every instance through a JetStream key-value bucket. */
@Module({
  providers: [IdempotencyStore],
  exports: [IdempotencyStore],
})
export class IdempotencyModule {}
