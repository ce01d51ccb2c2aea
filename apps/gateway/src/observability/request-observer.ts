import { RootLogger } from '@gatehouse/logging';
import { FastifyInstance } from 'fastify';
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
export function registerRequestObserver(fastify: FastifyInstance, logger: RootLogger): void {
  // At info, only the scalar fields below are logged (the path without its query, which may carry a reset
  // token), so the root logger's wildcard redaction, a large share of the cost of a line, is skipped.
  // At debug, the request headers are added, through the redacting logger (credentials never logged).
  const log = logger.child({ context: 'access' }, { redact: { paths: [] } });
  const detailed = logger.child({ context: 'access' });
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const elapsedMs = reply.elapsedTime;
    const observed = (request.routeOptions.config as { [ROUTE_CONFIG]?: ObservedRouteConfig })[ROUTE_CONFIG];
    observed?.metrics.observe(status, elapsedMs / 1000);
    const level = status >= 500 ? 'error' : 'info';
    if (log.isLevelEnabled(level)) {
      const traceparent = reply.getHeader('traceparent');
      const debug = log.isLevelEnabled('debug');
      (debug ? detailed : log)[level](
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
    done();
  });
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
