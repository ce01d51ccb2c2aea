import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module';
import { DispatchModule } from '../dispatch/dispatch.module';
import { ObservabilityModule } from '../observability/observability.module';
import { ProxyModule } from '../proxy/proxy.module';
import { SessionModule } from '../session/session.module';
import { RouteRegistrar } from './route-registrar';

/** The route table on Fastify: admits each matched request, then dispatches it over NATS (browser sessions through SessionModule) or proxies it. */
@Module({
  imports: [AdmissionModule, DispatchModule, SessionModule, ProxyModule, ObservabilityModule],
  providers: [RouteRegistrar],
  exports: [RouteRegistrar],
})
export class RoutingModule {}
