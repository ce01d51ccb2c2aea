import { ProblemException } from '@gatehouse/errors';
import { TraceContext } from '@gatehouse/logging';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Dispatcher, Pool } from 'undici';
import { GatewayMetrics } from '../observability/metrics';
import { Admission } from '../routing/request-dispatcher';
import { RouteDefinition, UpstreamTarget } from '../routing/route-definition';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Forwards an admitted request to an upstream HTTP service over a keep-alive pool, streaming both bodies
 * (memory stays bounded whatever their size). Unreachable upstream → 502, too slow → 504.
 */
@Injectable()
export class UpstreamProxy implements OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly metrics: GatewayMetrics) {}

  async forward(
    route: RouteDefinition & { target: UpstreamTarget },
    admission: Admission,
    trace: TraceContext,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const target = route.target;
    const base = new URL(target.baseUrl);
    const incoming = new URL(request.url, 'http://gateway.invalid');
    let path = incoming.pathname;
    if (target.stripPrefix) {
      const prefix = substituteParams(target.stripPrefix, request.params as Record<string, string>);
      if (path.startsWith(prefix)) path = path.slice(prefix.length);
    }
    path = `${base.pathname.replace(/\/$/, '')}/${path.replace(/^\//, '')}${incoming.search}`;
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    let response: Dispatcher.ResponseData;
    try {
      response = await this.poolFor(base.origin).request({
        method: request.method as Dispatcher.HttpMethod,
        path,
        headers: upstreamRequestHeaders(request.headers, admission, trace, {
          ip: request.ip,
          protocol: request.protocol,
          host: request.headers.host,
        }),
        body: hasBody ? request.raw : undefined,
        headersTimeout: target.timeoutMs,
        bodyTimeout: target.timeoutMs,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'UNKNOWN';
      const timeout = TIMEOUT_CODES.has(code);
      this.metrics.upstreamErrors.inc({ upstream: target.upstream, kind: timeout ? 'timeout' : 'unreachable' });
      throw timeout
        ? new ProblemException(504, 'upstream-timeout', `The upstream "${target.upstream}" did not answer in time`)
        : new ProblemException(502, 'upstream-unavailable', `The upstream "${target.upstream}" could not be reached`);
    }
    reply.status(response.statusCode).headers(clientResponseHeaders(response.headers));
    response.body.on('error', () => this.metrics.upstreamErrors.inc({ upstream: target.upstream, kind: 'aborted' }));
    await reply.send(response.body);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close().catch(() => undefined)));
  }

  private poolFor(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 128, keepAliveTimeout: 30_000, pipelining: 1 });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

function substituteParams(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}
