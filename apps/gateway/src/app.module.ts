import { GatehouseConfigModule } from '@gatehouse/config';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { HealthModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { RequestAdmission } from './admission/request-admission';
import { TenantResolver } from './admission/tenant-resolver';
import { Authenticator } from './auth/authenticator';
import { CredentialCache } from './auth/credential-cache';
import { JwksCache } from './auth/jwks-cache';
import { RevocationList } from './auth/revocation-list';
import { ServiceDispatcher } from './dispatch/service-dispatcher';
import { DecisionCache } from './decisions/decision-cache';
import { GatewayEnv } from './gateway.env';
import { GATEWAY } from './gateway-service';
import { IdempotencyStore } from './idempotency/idempotency-store';
import { GatewayMetrics } from './observability/metrics';
import { AccessLog } from './observability/access-log';
import { RequestObserver } from './observability/request-observer';
import { OpenApiPublisher } from './openapi/openapi-publisher';
import { InternalTokens } from './proxy/internal-tokens';
import { UpstreamProxy } from './proxy/upstream-proxy';
import { RateLimits } from './security/rate-limits';
import { RouteRegistrar } from './routing/route-registrar';

export const SERVICE = GATEWAY;

@Module({})
export class GatewayAppModule {
  static register(env: GatewayEnv): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [
        GatehouseConfigModule.forRoot(GatewayEnv, env),
        LoggingModule.forRoot({ service: SERVICE, level: env.LOG_LEVEL }),
        MessagingModule.forRoot({ service: SERVICE, settings: env }),
        HealthModule.forRoot({ database: false, shutdownDelayMs: env.SHUTDOWN_DELAY_MS }),
      ],
      providers: [JwksCache, CredentialCache, RevocationList, Authenticator, DecisionCache, TenantResolver, RateLimits, GatewayMetrics, AccessLog, RequestObserver, InternalTokens, UpstreamProxy, RequestAdmission, ServiceDispatcher, RouteRegistrar, OpenApiPublisher, IdempotencyStore],
    };
  }
}
