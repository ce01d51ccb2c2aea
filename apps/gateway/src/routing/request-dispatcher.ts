import { Caller, Decision, DECISION_TENANT_NOT_FOUND, DEFAULT_TENANT_SEGMENT, NAMESPACE_PATTERN, RpcEnvelope } from '@gatehouse/contracts';
import { assertNestingWithinLimit, ProblemException } from '@gatehouse/errors';
import { TraceContext } from '@gatehouse/logging';
import { IdempotencyTicket, RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { Authenticator } from '../auth/authenticator';
import { DecisionCache } from '../decisions/decision-cache';
import { IdempotencyStore } from '../idempotency/idempotency-store';
import { RateLimits } from '../security/rate-limits';
import { andThen, MaybePromise } from './maybe-async';
import { DEFAULT_ACTIONS, isUpstream, PermissionRequirement, RouteDefinition } from './route-definition';
import { TenantResolver } from './tenant-resolver';

export interface IncomingRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  authorization: string | undefined;
  ip: string;
  /** Passed explicitly (not through AsyncLocalStorage) to every NATS call the request makes. */
  trace: TraceContext;
}

export interface DispatchResult {
  status: number;
  body: unknown;
  /** The stored answer of an earlier request with the same Idempotency-Key. */
  replayed?: boolean;
}

/** A request that passed authentication, tenant resolution and authorization. */
export interface Admission {
  caller: Caller | null;
  tenantId: string | null | undefined;
  params: Record<string, string>;
  /** For an allowed permission check without a namespace: null = every namespace, else the granted prefixes. */
  namespaces?: string[] | null;
}

/**
 * The request path of DESIGN §4 for one matched route: authenticate → resolve the tenant → ask
 * authorization → forward to the owning service with the verified identity.
 */
@Injectable()
export class RequestDispatcher {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly rpc: RpcClient,
    private readonly tenants: TenantResolver,
    private readonly rateLimits: RateLimits,
    private readonly decisions: DecisionCache,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /** Forwards an admitted request to the built-in service that owns the route (over NATS). */
  async dispatch(route: RouteDefinition, request: IncomingRequest): Promise<DispatchResult> {
    if (isUpstream(route.target)) throw new Error(`${route.path} targets an upstream; use the proxy`);
    const { caller, tenantId, params } = await this.admit(route, request);
    const target = route.target;
    const envelope: RpcEnvelope = { caller, tenantId, ip: request.ip, data: this.dataOf(request, params) };
    const call = (ticket?: IdempotencyTicket): Promise<unknown> =>
      this.rpc.request(
        target,
        ticket ? { ...envelope, idempotency: ticket } : envelope,
        route.method === 'GET' ? { trace: request.trace, ...RETRY_SAFE } : { trace: request.trace },
      );
    const result = (response: unknown): DispatchResult =>
      response === undefined || response === null ? { status: 204, body: undefined } : { status: route.status ?? 200, body: response };
    const key = request.headers['idempotency-key'];
    if (route.method === 'GET' || typeof key !== 'string') return result(await call());
    const { outcome, replayed } = await this.idempotency.run(
      { subjectId: caller?.id ?? null, method: route.method, route: route.path, params: request.params },
      key,
      request.body,
      async (ticket) => ({ kind: 'response', body: (await call(ticket)) ?? null }),
    );
    if (outcome.kind === 'problem') return { status: outcome.problem.status, body: outcome.problem, replayed };
    return { ...result(outcome.body), replayed };
  }

  /**
   * Authenticates, resolves the tenant, limits the subject's rate and asks authorization. Synchronous
   * when every answer is cached (the usual case); throws (or rejects) with the request's Problem.
   */
  admit(route: RouteDefinition, request: IncomingRequest): MaybePromise<Admission> {
    this.rateLimits.consumeIp(request.ip);
    return andThen(this.authenticator.authenticate(request.authorization, request.ip, request.trace), (caller) => {
      if (caller) this.rateLimits.consumeSubject(caller.id);
      const { tenant, ...params } = request.params;
      return andThen(this.tenants.resolve(tenant), (tenantId) => this.authorize(route, request, caller, tenantId, params));
    });
  }

  private authorize(
    route: RouteDefinition,
    request: IncomingRequest,
    caller: Caller | null,
    tenantId: string | null | undefined,
    params: Record<string, string>,
  ): MaybePromise<Admission> {
    const access = route.access;
    if (access === 'public') return { caller, tenantId, params };
    if (!caller) throw ProblemException.unauthorized();
    if (access === 'authenticated') return { caller, tenantId, params };
    const namespace = namespaceOf(access, params, request);
    if (caller.type === 'SERVICE') throw ProblemException.forbidden('Internal identities cannot call the public API');
    const { permission } = access;
    const action = access.action ?? DEFAULT_ACTIONS[route.method];
    const decision = this.decisions.check(
      {
        subject: { type: caller.type, id: caller.id },
        scope: tenantId === undefined ? 'INSTANCE' : 'TENANT',
        tenantId: tenantId ?? null,
        permission,
        action,
        ...(namespace ? { namespace } : {}),
      },
      request.trace,
    );
    return andThen(decision, (answer: Decision) => {
      if (answer.reason === DECISION_TENANT_NOT_FOUND) throw ProblemException.notFound(`Tenant "${tenantId ?? DEFAULT_TENANT_SEGMENT}" does not exist`);
      if (!answer.allowed) {
        throw ProblemException.forbidden(`Missing permission ${permission}:${action}${namespace ? ` on namespace ${namespace}` : ''}`, {
          permission,
          action,
          reason: answer.reason,
        });
      }
      return { caller, tenantId, params, namespaces: answer.namespaces };
    });
  }

  /**
   * Body fields, query parameters and path parameters (which win) make the message's data. Its encoding
   * for NATS recurses, so JSON nested past the limit every service applies is refused here, as a 400.
   */
  private dataOf(request: IncomingRequest, params: Record<string, string>): Record<string, unknown> {
    const body = request.body;
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw ProblemException.badRequest('The request body must be a JSON object');
    }
    assertNestingWithinLimit(body);
    return { ...(body as Record<string, unknown> | undefined), ...request.query, ...params };
  }
}

/** The namespace a request touches, from its path, query or a header, as the route declares. */
function namespaceOf(access: PermissionRequirement, params: Record<string, string>, request: IncomingRequest): string | undefined {
  const source = access.namespace ?? (access.namespaceParam ? { from: 'path' as const, name: access.namespaceParam } : undefined);
  if (!source) return undefined;
  const raw =
    source.from === 'path' ? params[source.name] : source.from === 'query' ? request.query[source.name] : request.headers[source.name.toLowerCase()];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !NAMESPACE_PATTERN.test(raw)) {
    throw ProblemException.validation([{ field: source.name, message: `${source.name} must be a dotted namespace like company.team` }]);
  }
  return raw;
}
