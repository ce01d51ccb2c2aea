import { ROOT_LOGGER, RootLogger } from '@gatehouse/logging';
import { Inject, Injectable } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessLog } from './access-log';
import { ACCESS_MESSAGE } from './access-log-format';
import { RouteMetrics } from './route-traffic';

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
  // At info, only the scalar fields of an AccessEntry are logged (the path without its query, which may
  // carry a reset token), by the access log's writer thread. At debug, the request headers are added,
  // through the redacting logger (credentials never logged), on the event loop.
  private readonly detailed?: RootLogger;
  /** pino's numeric levels, so the access lines read like every other log line. */
  private readonly levels: Record<string, number>;

  constructor(
    @Inject(ROOT_LOGGER) logger: RootLogger,
    private readonly accessLog: AccessLog,
  ) {
    if (logger.isLevelEnabled('debug')) this.detailed = logger.child({ context: 'access' });
    this.levels = logger.levels.values;
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
    const routeOptions = request.routeOptions; // a getter that builds a new object each time
    const observed = (routeOptions.config as { [ROUTE_CONFIG]?: ObservedRouteConfig })[ROUTE_CONFIG];
    observed?.metrics.observe(status, elapsedMs / 1000);
    const level = status >= 500 ? 'error' : 'info';
    if (!this.accessLog.isEnabled(level)) return;
    const traceparent = reply.getHeader('traceparent');
    const traceId = typeof traceparent === 'string' ? traceparent.slice(3, 35) : undefined;
    const path = pathOf(request.url);
    const responseTimeMs = Math.round(elapsedMs * 1000) / 1000;
    if (this.detailed) {
      const fields = { requestId: request.id, traceId, method: request.method, path, route: routeOptions.url, status, responseTimeMs, ip: request.ip };
      this.detailed[level]({ ...fields, req: { headers: request.headers } }, ACCESS_MESSAGE);
      return;
    }
    this.accessLog.write([Date.now(), this.levels[level], request.id, traceId, request.method, path, routeOptions.url, status, responseTimeMs, request.ip]);
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
