import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { InternalTokens } from './internal-tokens';
import { UpstreamProxy } from './upstream-proxy';

/** Forwarding to upstream HTTP services (the sibling of DispatchModule); forward-auth shares its internal tokens. */
@Module({
  imports: [ObservabilityModule],
  providers: [InternalTokens, UpstreamProxy],
  exports: [UpstreamProxy, InternalTokens],
})
export class ProxyModule {}
