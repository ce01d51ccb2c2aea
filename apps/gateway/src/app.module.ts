import { ServiceModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { AdmissionModule } from './admission/admission.module';
import { AuthModule } from './auth/auth.module';
import { DecisionsModule } from './decisions/decisions.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { ForwardAuthModule } from './forward-auth/forward-auth.module';
import { GatewayEnv } from './gateway.env';
import { GATEWAY } from './gateway-service';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { ObservabilityModule } from './observability/observability.module';
import { OpenApiModule } from './openapi/openapi.module';
import { ProxyModule } from './proxy/proxy.module';
import { RoutingModule } from './routing/routing.module';
import { SecurityModule } from './security/security.module';
import { SessionModule } from './session/session.module';

/**
 * The gateway's own modules, one per context folder (infrastructure comes from libs/). Dependencies
 * point one way, down (README.md beside this file; checked by __tests__/layers.spec.ts):
 *
 *   routing (registrar, route table)
 *     ├─▶ admission ─▶ auth, decisions, security
 *     ├─▶ session (browser sessions: cookie, CSRF) ─▶ dispatch
 *     ├─▶ dispatch (NATS) ─▶ idempotency        dispatch and proxy are siblings: neither imports the other
 *     └─▶ proxy (upstream HTTP)
 *   forward-auth (decisions for an ingress) ─▶ admission, proxy (identity headers, internal tokens)
 *   openapi, console                            beside routing, read the route table's types
 *   observability                               below routing, proxy and decisions
 *   request/ (types, problem sending, maybe-async): below all of them, imports none of them; no module
 */
export const GATEWAY_CONTEXTS = [
  ObservabilityModule,
  SecurityModule,
  AuthModule,
  DecisionsModule,
  AdmissionModule,
  IdempotencyModule,
  DispatchModule,
  SessionModule,
  ProxyModule,
  RoutingModule,
  ForwardAuthModule,
  OpenApiModule,
];

/** Infrastructure (ServiceModule: config, logging, NATS, health; no database), then the gateway's contexts. */
@Module({})
export class GatewayAppModule {
  static register(env: GatewayEnv): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [
        ServiceModule.forService({ name: GATEWAY, envClass: GatewayEnv, env, shutdownDelayMs: env.SHUTDOWN_DELAY_MS }),
        ...GATEWAY_CONTEXTS,
      ],
    };
  }
}
