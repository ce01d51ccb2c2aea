import { Problem } from '@gatehouse/contracts';
import { assertNestingWithinLimit, ProblemException, toProblem } from '@gatehouse/errors';
import { scimError } from '@gatehouse/scim';
import { TraceContext } from '@gatehouse/logging';
import { Injectable, Logger } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestAdmission } from '../admission/request-admission';
import { HttpBridge } from '../dispatch/http-bridge';
import { ScimDispatcher } from '../dispatch/scim-dispatcher';
import { RouteTimeouts } from '../dispatch/route-timeouts';
import { ServiceDispatcher } from '../dispatch/service-dispatcher';
import { GatewayMetrics } from '../observability/metrics';
import { ROUTE_CONFIG } from '../observability/request-observer';
import { setTraceHeaders, traceOf } from '../observability/trace-headers';
import { UpstreamProxy } from '../proxy/upstream-proxy';
import { IncomingRequest } from '../request/incoming-request';
import { isPromise } from '../request/maybe-async';
import { sendProblem } from '../request/problem-reply';
import { sendScim, sendScimError } from '../request/scim-reply';
import {
  BrowserSessionStep, HttpBridgeTarget, isForwardAuthOnly, isHttpBridge, isScim, isUpstream, RouteDefinition, ScimTarget, UpstreamTarget,
} from '../request/route-definition';
import { BrowserSessions } from '../session/browser-sessions';

/**
 * Registers the route table on Fastify (radix-tree matching), on top of the request path: each matched
 * request is admitted (RequestAdmission), then built-in routes go to their service over NATS
 * (ServiceDispatcher; browser-session routes through BrowserSessions, which keeps their refresh token in
 * a cookie; the OpenID Connect provider's routes as raw HTTP through HttpBridge) and upstream routes to
 * their HTTP service (UpstreamProxy). Built-in routes get
 * JSON bodies; upstream routes are registered in their own scope whose body parser
 * passes the raw stream through, so uploads are proxied without buffering.
 *
 * The trace context is passed explicitly, not through AsyncLocalStorage: in the gateway, whose requests
 * are mostly answered from caches, its per-promise hooks cost more than the rest of the request logic.
 * Metrics and the access log are written once the response is sent (see request-observer).
 */
@Injectable()
export class RouteRegistrar {
  private readonly logger = new Logger('Gateway');

  constructor(
    private readonly admission: RequestAdmission,
    private readonly dispatcher: ServiceDispatcher,
    private readonly sessions: BrowserSessions,
    private readonly proxy: UpstreamProxy,
    private readonly bridge: HttpBridge,
    private readonly scim: ScimDispatcher,
    private readonly metrics: GatewayMetrics,
    private readonly timeouts: RouteTimeouts,
  ) {}

  register(fastify: FastifyInstance, routes: RouteDefinition[]): void {
    this.timeouts.assertKnown(routes.filter((r) => !isUpstream(r.target) && !isForwardAuthOnly(r.target)));
    // The route table's routes live in a scope of their own, with an error handler for what Fastify raises
    // before a handler runs (bad JSON, body too large, unsupported media type). Set at the root, it fought
    // Nest's own root handler (Fastify's FSTWRN004 warning at every start), which the rest still uses.
    void fastify.register(async (gateway) => {
      gateway.setErrorHandler((error, _request, reply) => sendFrameworkError(reply, error));
      for (const route of routes.filter((r) => !isUpstream(r.target) && !isHttpBridge(r.target) && !isScim(r.target))) {
        gateway.route({ ...this.routeOptions(route), handler: this.handlerFor(route) });
      }
      // SCIM routes speak SCIM's errors from the first byte: bodies are read as text and parsed here, so bad
      // JSON, a wrong content type or a body too large is a SCIM error, not Fastify's problem.
      const scimRoutes = routes.filter((r) => isScim(r.target)) as Array<RouteDefinition & { target: ScimTarget }>;
      if (scimRoutes.length > 0) {
        await gateway.register(async (scope) => {
          scope.removeAllContentTypeParsers();
          const bodyLimit = Math.max(...scimRoutes.map((r) => r.target.maxBodyBytes));
          scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));
          scope.setErrorHandler((error, request, reply) => {
            setTraceHeaders(request, reply);
            sendScimError(reply, toProblem(error, FRAMEWORK_LOGGER, 'fastify', logFieldsOf(traceOf(request, reply))));
          });
          for (const route of scimRoutes) {
            scope.route({ ...this.routeOptions(route), bodyLimit: route.target.maxBodyBytes, handler: this.scimHandlerFor(route) });
          }
        });
      }
      // HTTP-bridge routes (the OpenID Connect provider) take any body as text, size-capped: forms, JSON.
      const bridgeRoutes = routes.filter((r) => isHttpBridge(r.target)) as Array<RouteDefinition & { target: HttpBridgeTarget }>;
      if (bridgeRoutes.length > 0) {
        await gateway.register(async (scope) => {
          scope.removeAllContentTypeParsers();
          const bodyLimit = Math.max(...bridgeRoutes.map((r) => r.target.maxBodyBytes));
          scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));
          for (const route of bridgeRoutes) {
            scope.route({ ...this.routeOptions(route), bodyLimit: route.target.maxBodyBytes, handler: this.handlerFor(route) });
          }
        });
      }
      const upstreamRoutes = routes.filter((r) => isUpstream(r.target));
      if (upstreamRoutes.length === 0) return;
      await gateway.register(async (scope) => {
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
        for (const route of upstreamRoutes) {
          scope.route({ ...this.routeOptions(route), handler: this.handlerFor(route) });
        }
      });
    });
  }

  /**
   * A plain (not async) Fastify handler: it answers through `reply` when ready. An async one would have
   * to return the reply, which Fastify then awaits until the response is finished, an extra listener
   * per request for nothing.
   */
  private handlerFor(route: RouteDefinition): (request: FastifyRequest, reply: FastifyReply) => void {
    return (request, reply) => {
      this.handle(route, request, reply).catch((error: unknown) => {
        if (!answered(reply)) sendProblem(reply, toProblem(error, this.logger, `${route.method} ${route.path}`));
      });
    };
  }

  private scimHandlerFor(route: RouteDefinition & { target: ScimTarget }): (request: FastifyRequest, reply: FastifyReply) => void {
    return (request, reply) => {
      const trace = traceOf(request, reply);
      this.handleScim(route, request, reply, trace).catch((error: unknown) => {
        if (!answered(reply)) sendScimError(reply, toProblem(error, this.logger, `${route.method} ${route.path}`, logFieldsOf(trace)));
      });
    };
  }

  private async handleScim(route: RouteDefinition & { target: ScimTarget }, request: FastifyRequest, reply: FastifyReply, trace: TraceContext): Promise<void> {
    const incoming = { ...this.incoming(request, trace, false), body: scimBodyOf(request) };
    let admission = this.admission.admit(route, incoming);
    if (isPromise(admission)) admission = await admission;
    sendScim(reply, await this.scim.dispatch(route, incoming, admission));
  }

  private routeOptions(route: RouteDefinition) {
    return { method: route.method, url: route.path, config: { [ROUTE_CONFIG]: { metrics: this.metrics.route(route.method, route.path) } } };
  }

  private async handle(route: RouteDefinition, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const trace = traceOf(request, reply);
    try {
      const raw = isUpstream(route.target) || isHttpBridge(route.target);
      const incoming = this.incoming(request, trace, raw);
      // Built-in routes take JSON only: a form post (a cross-site "simple request") is not parsed into a command.
      if (incoming.body !== undefined && !raw && !JSON_MEDIA_TYPE.test(header(request, 'content-type') ?? '')) {
        throw new ProblemException(415, 'http-415', 'Request bodies must be application/json');
      }
      let admission = this.admission.admit(route, incoming);
      if (isPromise(admission)) admission = await admission;
      if (isHttpBridge(route.target)) {
        await this.bridge.forward(route as RouteDefinition & { target: HttpBridgeTarget }, incoming, request, reply);
      } else if (isUpstream(route.target)) {
        await this.proxy.forward(route as RouteDefinition & { target: UpstreamTarget }, admission, trace, request, reply);
      } else if (route.browserSession) {
        const answer = await this.sessions.handle(route as RouteDefinition & { browserSession: BrowserSessionStep }, incoming, admission);
        reply.headers(answer.headers);
        if (answer.status >= 400) sendProblem(reply, answer.body as Problem);
        else reply.status(answer.status).send(answer.body);
      } else {
        const result = await this.dispatcher.dispatch(route, incoming, admission);
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        // A keyed write's refusal comes back as a result: it gets the headers of any other problem (Retry-After).
        if (result.status >= 400) sendProblem(reply, result.body as Problem);
        else reply.status(result.status).send(result.body);
      }
    } catch (error) {
      if (answered(reply)) return;
      sendProblem(reply, toProblem(error, this.logger, `${route.method} ${route.path}`, logFieldsOf(trace)));
    }
  }

  private incoming(request: FastifyRequest, trace: TraceContext, raw: boolean): IncomingRequest {
    return {
      params: request.params as Record<string, string>,
      query: request.query as Record<string, unknown>,
      headers: request.headers,
      body: raw ? undefined : request.body,
      authorization: request.headers.authorization,
      ip: request.ip,
      trace,
    };
  }
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** A SCIM request's body (RFC 7644 §3.1: application/scim+json, or JSON), parsed; anything else is a SCIM 400. */
function scimBodyOf(request: FastifyRequest): unknown {
  const text = typeof request.body === 'string' ? request.body : undefined;
  if (text === undefined || text.length === 0) return undefined;
  if (!JSON_MEDIA_TYPE.test(header(request, 'content-type') ?? '')) {
    throw scimError(400, 'invalidSyntax', 'A SCIM body must be application/scim+json (or application/json)');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw scimError(400, 'invalidSyntax', 'The body is not valid JSON');
  }
  try {
    assertNestingWithinLimit(body);
  } catch {
    throw scimError(400, 'invalidSyntax', 'The body nests too deeply');
  }
  return body;
}

/** Whether the response has begun: a Problem can no longer replace it. */
function answered(reply: FastifyReply): boolean {
  return reply.sent || reply.raw.headersSent;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

const FRAMEWORK_LOGGER = new Logger('Gateway');

/** An error Fastify raised itself (its 4xx ones name the client's mistake; anything else is logged as a 500). */
export function sendFrameworkError(reply: FastifyReply, error: unknown): FastifyReply {
  setTraceHeaders(reply.request, reply);
  return sendProblem(reply, toProblem(error, FRAMEWORK_LOGGER, 'fastify', logFieldsOf(traceOf(reply.request, reply))));
}

/** What joins an error's log line to the request's access line and to the services' lines. */
function logFieldsOf(trace: TraceContext): { requestId: string; traceId: string } {
  return { requestId: trace.requestId, traceId: trace.traceparent.slice(3, 35) };
}
