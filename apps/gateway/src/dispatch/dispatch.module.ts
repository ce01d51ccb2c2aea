import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ServiceDispatcher } from './service-dispatcher';

/** Forwarding to the built-in services over NATS (the sibling of ProxyModule). */
@Module({
  imports: [IdempotencyModule],
  providers: [ServiceDispatcher],
  exports: [ServiceDispatcher],
})
export class DispatchModule {}
