import { Problem } from '@gatehouse/contracts';
import { ProblemException, toProblem } from '@gatehouse/errors';
import { continueTrace, TraceContext, traceContext } from '@gatehouse/logging';
import { Injectable, Logger } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayMetrics } from '../observability/metrics';
import { UpstreamProxy } from '../proxy/upstream-proxy';
import { IncomingRequest, RequestDispatcher } from './request-dispatcher';
import { isUpstream, RouteDefinition, UpstreamTarget } from './route-definition';

/**
 * Registers the route table on Fastify (radix-tree matching). Built-in routes get JSON bodies and go
 * to their service over NATS; upstream routes are registered in their own scope whose body parser
 * passes the raw stream through, so uploads are proxied without buffering.
 */
@Injectable()
export class RouteRegistrar {
  private readonly logger = new Logger('Gateway');

  constructor(
    private readonly dispatcher: RequestDispatcher,
    private readonly proxy: UpstreamProxy,
    private readonly metrics: GatewayMetrics,
  ) {}

  register(fastify: FastifyInstance, routes: RouteDefinition[]): void {
    // Errors Fastify raises before a handler runs (bad JSON, body too large, unsupported media type).
    fastify.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : undefined;
      return sendProblem(reply, status ? new ProblemException(status, `http-${status}`, error.message).problem : toProblem(error, this.logger, 'fastify'));
    });
    for (const route of routes.filter((r) => !isUpstream(r.target))) {
      fastify.route({ method: route.method, url: route.path, handler: (request, reply) => this.handle(route, request, reply) });
    }
    const upstreamRoutes = routes.filter((r) => isUpstream(r.target));
    if (upstreamRoutes.length === 0) return;
    void fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      for (const route of upstreamRoutes) {
        scope.route({ method: route.method, url: route.path, handler: (request, reply) => this.handle(route, request, reply) });
      }
    });
  }

  private async handle(route: RouteDefinition, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const started = process.hrtime.bigint();
    const trace: TraceContext = { requestId: request.id, traceparent: continueTrace(header(request, 'traceparent')) };
    reply.header('x-request-id', trace.requestId).header('traceparent', trace.traceparent);
    await traceContext.run(trace, async () => {
      try {
        const incoming = this.incoming(request, isUpstream(route.target));
        // Built-in routes take JSON only: a form post (a cross-site "simple request") is not parsed into a command.
        if (incoming.body !== undefined && !isUpstream(route.target) && !JSON_MEDIA_TYPE.test(header(request, 'content-type') ?? '')) {
          throw new ProblemException(415, 'http-415', 'Request bodies must be application/json');
        }
        if (isUpstream(route.target)) {
          const admission = await this.dispatcher.admit(route, incoming);
          await this.proxy.forward(route as RouteDefinition & { target: UpstreamTarget }, admission, trace, request, reply);
        } else {
          const result = await this.dispatcher.dispatch(route, incoming);
          if (result.replayed) reply.header('idempotent-replayed', 'true');
          if (result.status >= 400) reply.type('application/problem+json');
          reply.status(result.status);
          await reply.send(result.body);
        }
      } catch (error) {
        if (!reply.sent) await sendProblem(reply, toProblem(error, this.logger, `${route.method} ${route.path}`));
      } finally {
        const labels = { route: route.path, method: route.method };
        this.metrics.requests.inc({ ...labels, status: String(reply.statusCode) });
        this.metrics.latency.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      }
    });
  }

  private incoming(request: FastifyRequest, raw: boolean): IncomingRequest {
    return {
      params: request.params as Record<string, string>,
      query: request.query as Record<string, unknown>,
      headers: request.headers,
      body: raw ? undefined : request.body,
      authorization: request.headers.authorization,
      ip: request.ip,
      requestId: request.id,
    };
  }
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export async function sendProblem(reply: FastifyReply, problem: Problem): Promise<void> {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
  if (problem.status === 429 && typeof problem.retryAfter === 'number') reply.header('retry-after', String(problem.retryAfter));
  await reply.status(problem.status).type('application/problem+json').send(problem);
}
