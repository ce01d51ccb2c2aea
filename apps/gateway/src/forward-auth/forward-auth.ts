import { Problem } from '@gatehouse/contracts';
import { ProblemException, toProblem } from '@gatehouse/errors';
import { TraceContext } from '@gatehouse/logging';
import { Injectable, Logger } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestAdmission } from '../admission/request-admission';
import { GatewayEnv } from '../gateway.env';
import { GatewayMetrics } from '../observability/metrics';
import { ROUTE_CONFIG } from '../observability/request-observer';
import { traceOf } from '../observability/trace-headers';
import { addIdentityHeaders, IDENTITY_HEADER_PREFIX } from '../proxy/forwarded-headers';
import { InternalTokens } from '../proxy/internal-tokens';
import { DOT_SEGMENT } from '../proxy/upstream-proxy';
import { FORWARD_AUTH_ENDPOINTS, ForwardAuthIngress } from '../request/forward-auth-endpoints';
import { Admission, IncomingRequest } from '../request/incoming-request';
import { andThen, isPromise, MaybePromise } from '../request/maybe-async';
import { sendProblem } from '../request/problem-reply';
import { isUpstream, RouteDefinition } from '../request/route-definition';
import { defaultSecurityHeaders } from '../security/security-headers';
import { IngressRoutes, MatchedRoute } from './ingress-routes';
import { OriginalRequest, originalRequestOf, originOf } from './original-request';
import { TrustedProxies } from './trusted-proxies';

/** Every method an ingress may ask with (nginx and Envoy ask with the original one; the body is never read). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The `rule` of the 403 for a request that carries a client's `x-gatehouse-*` header. */
export const CLIENT_IDENTITY_HEADER_RULE = 'client-identity-header';
/** The `rule` of the 403 for a request no route of the routes file declares (a decision is never "allow by default"). */
export const NO_ROUTE_RULE = 'no-route';

/** A refusal may reach a browser (Caddy, Traefik and Envoy pass it on): it carries the gateway's security headers. */
const SECURITY_HEADERS = defaultSecurityHeaders();

/**
 * The decision endpoints for an ingress that proxies by itself (docs/forward-auth.md): the original
 * request, read from the headers each ingress sends, goes through exactly the gateway's admission
 * (authenticate → tenant → rate limits → decision, with its caches and revocations) against the routes
 * file, and nothing is proxied. Allowed: 200 with the identity headers for the ingress to copy upstream.
 * Refused: the problem (401, 403, ...), and for a browser on a route with `signInUrl` where to sign in.
 *
 * nginx's `auth_request` understands 2xx, 401 and 403 only (anything else becomes a 500), so its endpoint
 * answers every other refusal of the client's request as a 403 (the problem keeps `originalStatus`),
 * and a sign-in as a 401 with `Location` for the ingress to redirect to. Errors of Gatehouse itself
 * (503, 504) stay 5xx everywhere: the ingress fails closed.
 */
@Injectable()
export class ForwardAuth {
  private readonly logger = new Logger('ForwardAuth');
  private readonly proxies: TrustedProxies;
  private routes = new IngressRoutes([]);

  constructor(
    private readonly admission: RequestAdmission,
    private readonly internalTokens: InternalTokens,
    private readonly metrics: GatewayMetrics,
    env: GatewayEnv,
  ) {
    this.proxies = new TrustedProxies(env.FORWARD_AUTH_TRUSTED_PROXIES);
  }

  /** The three endpoints, deciding for `routes` (the routes file's: proxied by the gateway or by an ingress). */
  register(fastify: FastifyInstance, routes: RouteDefinition[]): void {
    this.routes = new IngressRoutes(routes);
    void fastify.register(async (scope) => {
      // Whatever body an ingress passes along is not read.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      scope.setErrorHandler((error, _request, reply) => sendProblem(reply, toProblem(error, this.logger, 'forward-auth')));
      for (const [ingress, path] of Object.entries(FORWARD_AUTH_ENDPOINTS) as Array<[ForwardAuthIngress, string]>) {
        const url = ingress === 'extAuthz' ? `${path}/*` : path;
        scope.route({
          method: METHODS,
          url,
          exposeHeadRoute: false,
          config: { [ROUTE_CONFIG]: { metrics: this.metrics.route('ANY', url) } },
          handler: (request, reply) => this.handle(ingress, request, reply),
        });
      }
    });
  }

  private handle(ingress: ForwardAuthIngress, request: FastifyRequest, reply: FastifyReply): void {
    let original: OriginalRequest | undefined;
    let matched: MatchedRoute | undefined;
    const refuse = (error: unknown) => this.refuse(ingress, error, reply, original, matched?.route, request.headers.accept);
    try {
      refuseClientIdentityHeaders(request.headers);
      original = originalRequestOf(ingress, request.method, request.url, request.headers);
      matched = this.matchOf(original);
      const route = matched.route;
      const trace = traceOf(request, reply);
      const incoming: IncomingRequest = {
        params: matched.params,
        query: matched.query,
        headers: request.headers,
        body: undefined,
        authorization: request.headers.authorization,
        ip: this.proxies.clientOf(request.ip, request.headers['x-forwarded-for']),
        trace,
      };
      const answered = andThen(this.admission.admit(route, incoming), (admission) => this.allow(route, admission, trace, reply));
      if (isPromise(answered)) answered.catch(refuse);
    } catch (error) {
      refuse(error);
    }
  }

  private matchOf(original: OriginalRequest): MatchedRoute {
    const queryAt = original.uri.indexOf('?');
    // The route was matched on the path as sent: the upstream must not resolve a dot segment out of it.
    if (DOT_SEGMENT.test(queryAt < 0 ? original.uri : original.uri.slice(0, queryAt))) {
      throw ProblemException.badRequest('The original path must not contain "." or ".." segments');
    }
    const matched = this.routes.match(original.method, original.uri);
    if (!matched) {
      throw ProblemException.forbidden(`No route of the routes file declares ${original.method} ${original.uri.slice(0, 200)}`, { rule: NO_ROUTE_RULE });
    }
    return matched;
  }

  private allow(route: RouteDefinition, admission: Admission, trace: TraceContext, reply: FastifyReply): MaybePromise<void> {
    const target = route.target;
    const caller = admission.caller;
    if (isUpstream(target) && target.internalToken && caller && caller.type !== 'SERVICE') {
      return this.internalTokens.tokenFor(caller, admission.tenantId, target.upstream, trace).then((token) => {
        reply.headers(addIdentityHeaders({}, admission, token)).send();
      });
    }
    reply.headers(addIdentityHeaders({}, admission)).send();
  }

  private refuse(ingress: ForwardAuthIngress, error: unknown, reply: FastifyReply, original?: OriginalRequest, route?: RouteDefinition, accept?: string): void {
    if (reply.sent) return;
    reply.headers(SECURITY_HEADERS);
    let problem: Problem = toProblem(error, this.logger, `forward-auth ${original?.method ?? ''} ${original?.uri.slice(0, 200) ?? ''}`);
    if (problem.status === 401 && route?.signInUrl && original && isBrowserNavigation(original.method, accept)) {
      const location = signInLocation(route.signInUrl, original);
      if (ingress !== 'authRequest') {
        reply.code(302).header('location', location).send();
        return;
      }
      reply.header('location', location);
    }
    if (ingress === 'authRequest' && problem.status >= 400 && problem.status < 500 && problem.status !== 401 && problem.status !== 403) {
      problem = { ...problem, status: 403, title: 'Forbidden', originalStatus: problem.status };
    }
    sendProblem(reply, problem);
  }
}

/** A header of Gatehouse's own namespace sent by the client could reach the upstream beside the verified ones. */
function refuseClientIdentityHeaders(headers: Record<string, unknown>): void {
  for (const name in headers) {
    if (name.startsWith(IDENTITY_HEADER_PREFIX)) {
      throw ProblemException.forbidden(
        `The request carries ${name}, which only Gatehouse sets: the ingress must remove client-sent ${IDENTITY_HEADER_PREFIX}* headers (docs/forward-auth.md)`,
        { rule: CLIENT_IDENTITY_HEADER_RULE, header: name },
      );
    }
  }
}

/** A page load (a browser follows a redirect there), not a script's or an API client's call. */
function isBrowserNavigation(method: string, accept: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && accept !== undefined && accept.includes('text/html');
}

/** The route's sign-in URL with the original URL to come back to in `rd`. */
export function signInLocation(signInUrl: string, original: OriginalRequest): string {
  const back = `${originOf(original) ?? ''}${original.uri}`;
  return `${signInUrl}${signInUrl.includes('?') ? '&' : '?'}rd=${encodeURIComponent(back)}`;
}
