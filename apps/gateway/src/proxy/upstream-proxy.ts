import { ProblemException } from '@gatehouse/errors';
import { TraceContext } from '@gatehouse/logging';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Dispatcher, Pool } from 'undici';
import { GatewayMetrics } from '../observability/metrics';
import { Admission } from '../request/incoming-request';
import { RouteDefinition, UpstreamTarget } from '../request/route-definition';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';
import { InternalTokens } from './internal-tokens';

/** A `.` or `..` segment, also percent-encoded or after a backslash (which URL parsers treat as a slash). */
export const DOT_SEGMENT = /(?:^|[/\\])(?:\.|%2e){1,2}(?:[/\\?#]|$)/i;

interface Upstream {
  pool: Pool;
  basePath: string;
  /** The target's stripPrefix with this request's parameters in it. */
  prefixOf?: (params: Record<string, string>) => string;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Forwards an admitted request to an upstream HTTP service over a keep-alive pool, streaming both bodies
 * (memory stays bounded whatever their size). Unreachable upstream → 502, too slow → 504.
 */
@Injectable()
export class UpstreamProxy implements OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();
  private readonly upstreams = new WeakMap<UpstreamTarget, Upstream>();

  constructor(private readonly metrics: GatewayMetrics, private readonly internalTokens: InternalTokens) {}

  async forward(
    route: RouteDefinition & { target: UpstreamTarget },
    admission: Admission,
    trace: TraceContext,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const target = route.target;
    const upstream = this.upstreamOf(target);
    const url = request.url;
    const queryAt = url.indexOf('?');
    let path = queryAt < 0 ? url : url.slice(0, queryAt);
    // The route (and its namespace) matched the raw path: a dot segment the upstream would resolve could leave it.
    if (DOT_SEGMENT.test(path)) throw ProblemException.badRequest('The path must not contain "." or ".." segments');
    if (upstream.prefixOf) {
      const prefix = upstream.prefixOf(request.params as Record<string, string>);
      if (path.startsWith(prefix)) path = path.slice(prefix.length);
    }
    path = `${upstream.basePath}${path.startsWith('/') ? path : `/${path}`}${queryAt < 0 ? '' : url.slice(queryAt)}`;
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const caller = admission.caller;
    const internalToken =
      target.internalToken && caller && caller.type !== 'SERVICE'
        ? await this.internalTokens.tokenFor(caller, admission.tenantId, target.upstream, trace)
        : undefined;
    // The upstream's body is written straight into the client's response (undici's stream API, with its
    // backpressure): no intermediate Readable, no Fastify stream plumbing. Fastify hands the response
    // over once the upstream has answered; until then a failure is an ordinary Problem (502/504).
    let answered = false;
    try {
      await upstream.pool.stream(
        {
          method: request.method as Dispatcher.HttpMethod,
          path,
          headers: upstreamRequestHeaders(
            request.headers,
            admission,
            trace,
            { ip: request.ip, protocol: request.protocol, host: request.headers.host },
            internalToken,
          ),
          body: hasBody ? request.raw : undefined,
          headersTimeout: target.timeoutMs,
          bodyTimeout: target.timeoutMs,
        },
        ({ statusCode, headers }) => {
          answered = true;
          // Fastify still runs the onResponse hooks (metrics, access log) of a hijacked reply.
          reply.hijack();
          const response = reply.raw;
          // getHeaders() is a fresh copy (security headers, request id, trace context): the upstream's go on top.
          response.writeHead(statusCode, clientResponseHeaders(headers as Record<string, string | string[]>, reply.getHeaders()));
          return response;
        },
      );
    } catch (error) {
      if (answered) {
        // The response has begun: the client sees its connection cut, as the upstream's was.
        this.metrics.upstreamErrors.inc({ upstream: target.upstream, kind: 'aborted' });
        return;
      }
      const code = (error as { code?: string }).code ?? 'UNKNOWN';
      const timeout = TIMEOUT_CODES.has(code);
      this.metrics.upstreamErrors.inc({ upstream: target.upstream, kind: timeout ? 'timeout' : 'unreachable' });
      throw timeout
        ? new ProblemException(504, 'upstream-timeout', `The upstream "${target.upstream}" did not answer in time`)
        : new ProblemException(502, 'upstream-unavailable', `The upstream "${target.upstream}" could not be reached`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close().catch(() => undefined)));
  }

  /** The pool and base path of a target, worked out once (routes of one upstream share its pool). */
  private upstreamOf(target: UpstreamTarget): Upstream {
    let upstream = this.upstreams.get(target);
    if (!upstream) {
      const base = new URL(target.baseUrl);
      let pool = this.pools.get(base.origin);
      if (!pool) {
        pool = new Pool(base.origin, { connections: 128, keepAliveTimeout: 30_000, pipelining: 1 });
        this.pools.set(base.origin, pool);
      }
      upstream = {
        pool,
        basePath: base.pathname.replace(/\/$/, ''),
        ...(target.stripPrefix ? { prefixOf: compilePrefix(target.stripPrefix) } : {}),
      };
      this.upstreams.set(target, upstream);
    }
    return upstream;
  }
}

/** `/api/v1/:tenant/flows` → a function of the path parameters, parsed once per target. */
function compilePrefix(pattern: string): (params: Record<string, string>) => string {
  const parts = pattern.split(/:(\w+)/); // literal, name, literal, name, ..., literal
  return (params) => {
    let prefix = parts[0];
    for (let i = 1; i < parts.length; i += 2) prefix += encodeURIComponent(params[parts[i]] ?? '') + parts[i + 1];
    return prefix;
  };
}
