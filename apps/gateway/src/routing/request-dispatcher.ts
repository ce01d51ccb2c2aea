import { Caller, Decision, DECISION_TENANT_NOT_FOUND, DEFAULT_TENANT_SEGMENT, NAMESPACE_PATTERN, RpcEnvelope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { IdempotencyTicket, RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { Authenticator } from '../auth/authenticator';
import { DecisionCache } from '../decisions/decision-cache';
import { IdempotencyStore } from '../idempotency/idempotency-store';
import { RateLimits } from '../security/rate-limits';
import { DEFAULT_ACTIONS, isUpstream, PermissionRequirement, RouteDefinition } from './route-definition';
import { TenantResolver } from './tenant-resolver';

export interface IncomingRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  authorization: string | undefined;
  ip: string;
  requestId: string;
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
        route.method === 'GET' ? { requestId: request.requestId, ...RETRY_SAFE } : { requestId: request.requestId },
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

  /** Authenticates, resolves the tenant, limits the subject's rate and asks authorization. */
  async admit(route: RouteDefinition, request: IncomingRequest): Promise<Admission> {
    this.rateLimits.consumeIp(request.ip);
    const caller = await this.authenticator.authenticate(request.authorization, request.ip);
    if (caller) this.rateLimits.consumeSubject(caller.id);
    const { tenant, ...params } = request.params;
    const tenantId = await this.tenants.resolve(tenant);
    if (route.access === 'public') return { caller, tenantId, params };
    if (!caller) throw ProblemException.unauthorized();
    if (route.access === 'authenticated') return { caller, tenantId, params };
    const namespace = namespaceOf(route.access, params, request);
    const decision = await this.authorize(route, route.access, caller, tenantId, namespace, request.requestId);
    return { caller, tenantId, params, namespaces: decision.namespaces };
  }

  private async authorize(
    route: RouteDefinition,
    access: PermissionRequirement,
    caller: Caller,
    tenantId: string | null | undefined,
    namespace: string | undefined,
    requestId: string,
  ): Promise<Decision> {
    if (caller.type === 'SERVICE') throw ProblemException.forbidden('Internal identities cannot call the public API');
    const { permission } = access;
    const action = access.action ?? DEFAULT_ACTIONS[route.method];
    const decision: Decision = await this.decisions.check(
      {
        subject: { type: caller.type, id: caller.id },
        scope: tenantId === undefined ? 'INSTANCE' : 'TENANT',
        tenantId: tenantId ?? null,
        permission,
        action,
        ...(namespace ? { namespace } : {}),
      },
      requestId,
    );
    if (decision.reason === DECISION_TENANT_NOT_FOUND) throw ProblemException.notFound(`Tenant "${tenantId ?? DEFAULT_TENANT_SEGMENT}" does not exist`);
    if (!decision.allowed) {
      throw ProblemException.forbidden(`Missing permission ${permission}:${action}${namespace ? ` on namespace ${namespace}` : ''}`, {
        permission,
        action,
        reason: decision.reason,
      });
    }
    return decision;
  }

  /** Body fields, query parameters and path parameters (which win) make the message's data. */
  private dataOf(request: IncomingRequest, params: Record<string, string>): Record<string, unknown> {
    const body = request.body;
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw ProblemException.badRequest('The request body must be a JSON object');
    }
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
