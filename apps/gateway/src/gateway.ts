import { acceptRequestId } from '@gatehouse/logging';
import { ProblemExceptionFilter } from '@gatehouse/errors';
import { MessagingTransport, MessagingTransportModule } from '@gatehouse/messaging';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { GatewayAppModule } from './app.module';
import { registerConsole } from './console/console-static';
import { ForwardAuth } from './forward-auth/forward-auth';
import { GatewayEnv } from './gateway.env';
import { RequestObserver } from './observability/request-observer';
import { GatewayMetrics } from './observability/metrics';
import { registerTraceHeaders } from './observability/trace-headers';
import { OpenApiPublisher } from './openapi/openapi-publisher';
import { loadRouteFile } from './routing/route-file';
import { RouteRegistrar, sendFrameworkError } from './routing/route-registrar';
import { ROUTES } from './routing/route-table';
import { FORWARD_AUTH_PREFIX } from './request/forward-auth-endpoints';
import { isForwardAuthOnly } from './request/route-definition';
import { registerSecurityHeaders } from './security/security-headers';

/** The gateway's module with the MessagingTransport its start-up chose. */
@Module({})
class GatewayRootModule {}

/**
 * Starts the gateway over `transport`: NATS_TRANSPORT when run as its own process (main.ts); local mode
 * (apps/local) runs it in its own process with libs/local-transport's in-process transport and
 * `shutdownHooks` off, since that launcher stops the gateway, then the services, then the embedded database.
 */
export async function startGateway(env: GatewayEnv, options: { transport: MessagingTransport; shutdownHooks?: boolean }): Promise<NestFastifyApplication> {
  const upstreamRoutes = env.GATEWAY_ROUTES_FILE ? loadRouteFile(env.GATEWAY_ROUTES_FILE) : [];
  const adapter = new FastifyAdapter({
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: false,
    // No Nest middleware in the gateway: every request goes through Fastify hooks and the route table only.
    skipMiddie: true,
    // On SIGTERM, requests already on an open keep-alive connection are still answered while in-flight
    // work drains (the services behind stay up); Fastify would otherwise answer them with a bare 503.
    return503OnClosing: false,
    // A path with a malformed percent-encoding is refused before routing, outside any error handler.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      sendFrameworkError(reply, error);
    },
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return acceptRequestId(typeof given === 'string' ? given : undefined);
    },
  });
  const root = { module: GatewayRootModule, imports: [MessagingTransportModule.use(options.transport), GatewayAppModule.register(env)] };
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemExceptionFilter());
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  registerSecurityHeaders(fastify, { except: FORWARD_AUTH_PREFIX });
  registerTraceHeaders(fastify);
  app.get(RequestObserver).register(fastify);
  if (env.CORS_ORIGINS) {
    const origins = env.CORS_ORIGINS.split(',').map((o) => o.trim());
    app.enableCors({
      origin: origins.includes('*') ? true : origins,
      exposedHeaders: ['x-request-id', 'traceparent', 'retry-after'],
      maxAge: 600,
    });
  }
  if (env.METRICS_ENABLED) {
    const metrics = app.get(GatewayMetrics);
    fastify.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  }
  // Routes without an upstream are proxied by an ingress: only the forward-auth endpoints decide them.
  const routes = [...ROUTES, ...upstreamRoutes.filter((route) => !isForwardAuthOnly(route.target))];
  app.get(RouteRegistrar).register(fastify, routes);
  app.get(ForwardAuth).register(fastify, upstreamRoutes);
  await app.get(OpenApiPublisher).register(fastify, routes);
  await registerConsole(fastify);
  await app.listen(env.PORT, env.HTTP_HOST);
  const host = env.HTTP_HOST === '0.0.0.0' ? 'localhost' : env.HTTP_HOST;
  app.get(Logger).log(`Gatehouse gateway listening on http://${host}:${env.PORT} (${ROUTES.length} built-in routes, ${upstreamRoutes.length} routes from the routes file)`);
  return app;
}
