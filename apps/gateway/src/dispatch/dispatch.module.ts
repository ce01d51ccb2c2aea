import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { HttpBridge } from './http-bridge';
import { RouteTimeouts } from './route-timeouts';
import { ScimDispatcher } from './scim-dispatcher';
import { ServiceDispatcher } from './service-dispatcher';

/** Forwarding to the built-in services over NATS (the sibling of ProxyModule), as commands, as HTTP (HttpBridge) or as SCIM (ScimDispatcher). */
@Module({
  imports: [IdempotencyModule],
  providers: [ServiceDispatcher, HttpBridge, ScimDispatcher, RouteTimeouts],
  exports: [ServiceDispatcher, HttpBridge, ScimDispatcher, RouteTimeouts],
})
export class DispatchModule {}
