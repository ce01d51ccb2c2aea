import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module';
import { ObservabilityModule } from '../observability/observability.module';
import { ProxyModule } from '../proxy/proxy.module';
import { ForwardAuth } from './forward-auth';

/** Decisions for an ingress that proxies by itself: the admission of the route table, without the proxy. */
@Module({
  imports: [AdmissionModule, ProxyModule, ObservabilityModule],
  providers: [ForwardAuth],
  exports: [ForwardAuth],
})
export class ForwardAuthModule {}
