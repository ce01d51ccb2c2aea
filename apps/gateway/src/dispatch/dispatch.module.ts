import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { HttpBridge } from './http-bridge';
import { ServiceDispatcher } from './service-dispatcher';

/** Forwarding to the built-in services over NATS (the sibling of ProxyModule), as commands or as HTTP (HttpBridge). */
@Module({
  imports: [IdempotencyModule],
  providers: [ServiceDispatcher, HttpBridge],
  exports: [ServiceDispatcher, HttpBridge],
})
export class DispatchModule {}
