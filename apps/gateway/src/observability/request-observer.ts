import { ROOT_LOGGER, RootLogger } from '@gatehouse/logging';
import { Inject, Injectable } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RouteMetrics } from './metrics';

/** Key of the route config the route table's routes carry (other routes, such as /metrics, are not counted). */
export const ROUTE_CONFIG = 'gatehouse';

export interface ObservedRouteConfig {
  metrics: RouteMetrics;
}

/**
 * Once a response is sent: the route's request counter and latency histogram, and one JSON access-log
 * line. The request id and trace id come from the response headers the route handler set, so the line
 * joins up with the services' logs.
 */
@Injectable()
export class RequestObserver {
  // At info, only the scalar fields below are logged (the path without its query, which may carry a reset
  // token), so the root logger's wildcard redaction, a large share of the cost of a line, is skipped.
  // At debug, the request headers are added, through the redacting logger (credentials never logged).
  private readonly log: RootLogger;
  private readonly detailed: RootLogger;

  constructor(@Inject(ROOT_LOGGER) logger: RootLogger) {
    this.log = logger.child({ context: 'access' }, { redact: { paths: [] } });
    this.detailed = logger.child({ context: 'access' });
  }

  /** For every response, hijacked ones (the upstream proxy writes the raw response) included. */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      this.observe(request, reply);
      done();
    });
  }

  observe(request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const elapsedMs = reply.elapsedTime;
    const observed = (request.routeOptions.config as { [ROUTE_CONFIG]?: ObservedRouteConfig })[ROUTE_CONFIG];
    observed?.metrics.observe(status, elapsedMs / 1000);
    const level = status >= 500 ? 'error' : 'info';
    if (!this.log.isLevelEnabled(level)) return;
    const traceparent = reply.getHeader('traceparent');
    const debug = this.log.isLevelEnabled('debug');
    (debug ? this.detailed : this.log)[level](
      {
        requestId: request.id,
        ...(typeof traceparent === 'string' ? { traceId: traceparent.slice(3, 35) } : {}),
        method: request.method,
        path: pathOf(request.url),
        route: request.routeOptions.url,
        status,
        responseTimeMs: Math.round(elapsedMs * 1000) / 1000,
        ip: request.ip,
        ...(debug ? { req: { headers: request.headers } } : {}),
      },
      'request completed',
    );
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
