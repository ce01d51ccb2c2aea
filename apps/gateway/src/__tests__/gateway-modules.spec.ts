import { ROOT_LOGGER } from '@gatehouse/logging';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { Global, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { RequestAdmission } from '../admission/request-admission';
import { GATEWAY_CONTEXTS } from '../app.module';
import { Authenticator } from '../auth/authenticator';
import { DecisionCache } from '../decisions/decision-cache';
import { ServiceDispatcher } from '../dispatch/service-dispatcher';
import { GatewayEnv } from '../gateway.env';
import { GatewayMetrics } from '../observability/metrics';
import { RequestObserver } from '../observability/request-observer';
import { OpenApiPublisher } from '../openapi/openapi-publisher';
import { UpstreamProxy } from '../proxy/upstream-proxy';
import { RouteRegistrar } from '../routing/route-registrar';
import { RoutingModule } from '../routing/routing.module';
import { BrowserSessions } from '../session/browser-sessions';

// ES-module-only packages, which Jest's CommonJS runtime cannot load; neither is used here.
jest.mock('jose', () => ({ decodeProtectedHeader: jest.fn(), jwtVerify: jest.fn(), createLocalJWKSet: jest.fn() }));
jest.mock('@fastify/static', () => ({ __esModule: true, default: jest.fn() }));

/** What the infrastructure modules (config, logging, messaging) provide globally, without NATS. */
@Global()
@Module({
  providers: [
    { provide: GatewayEnv, useValue: new GatewayEnv() },
    { provide: ROOT_LOGGER, useValue: pino({ level: 'silent' }) },
    { provide: NatsClient, useValue: { nc: { subscribe: () => ({ unsubscribe: () => undefined }) }, onReconnect: () => undefined } },
    // Never answers: start-up loads (revocations) stay pending, nothing is retried.
    { provide: RpcClient, useValue: { internal: () => new Promise(() => undefined), request: () => new Promise(() => undefined) } },
  ],
  exports: [GatewayEnv, ROOT_LOGGER, NatsClient, RpcClient],
})
class InfrastructureStub {}

@Module({ imports: [InfrastructureStub, ...GATEWAY_CONTEXTS] })
class Contexts {}

describe('gateway modules', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    app = await NestFactory.createApplicationContext(Contexts, { logger: false, abortOnError: false });
  });
  afterAll(() => app?.close());

  it('resolves every context through the exports of the modules it imports', () => {
    for (const type of [RouteRegistrar, OpenApiPublisher, RequestObserver, GatewayMetrics]) expect(app.get(type)).toBeInstanceOf(type);
    expect(app.select(RoutingModule).get(RouteRegistrar, { strict: true })).toBeInstanceOf(RouteRegistrar);
  });

  it('gives the registrar the admission, the NATS dispatcher, the browser sessions (on that dispatcher) and the upstream proxy', () => {
    const registrar = app.get(RouteRegistrar) as unknown as Record<string, unknown>;
    expect(registrar['admission']).toBeInstanceOf(RequestAdmission);
    expect(registrar['dispatcher']).toBeInstanceOf(ServiceDispatcher);
    expect(registrar['sessions']).toBeInstanceOf(BrowserSessions);
    expect((registrar['sessions'] as Record<string, unknown>)['dispatcher']).toBe(registrar['dispatcher']);
    expect(registrar['proxy']).toBeInstanceOf(UpstreamProxy);
    const admission = registrar['admission'] as Record<string, unknown>;
    expect(admission['authenticator']).toBeInstanceOf(Authenticator);
    expect(admission['decisions']).toBeInstanceOf(DecisionCache);
  });

  it('shares one metrics registry between the registrar, the proxy and the decision cache', () => {
    const metrics = app.get(GatewayMetrics);
    const registrar = app.get(RouteRegistrar) as unknown as Record<string, Record<string, unknown>>;
    expect(registrar['metrics']).toBe(metrics);
    expect(registrar['proxy']['metrics']).toBe(metrics);
    expect((registrar['admission']['decisions'] as unknown as Record<string, unknown>)['metrics']).toBe(metrics);
  });

  it('keeps what a context does not export to itself', () => {
    expect(() => app.select(RoutingModule).get(Authenticator, { strict: true })).toThrow();
  });
});
