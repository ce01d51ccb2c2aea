import { AuthorizationRpc, Caller, Decision, RpcEnvelope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { Authenticator } from '../auth/authenticator';
import { DEFAULT_ACTIONS, RouteDefinition } from './route-definition';
import { TenantResolver } from './tenant-resolver';

export interface IncomingRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  authorization: string | undefined;
  ip: string;
  requestId: string;
}

export interface DispatchResult {
  status: number;
  body: unknown;
}

const GATEWAY_CALLER: Caller = { type: 'SERVICE', id: 'gateway', via: 'internal' };

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
  ) {}

  async dispatch(route: RouteDefinition, request: IncomingRequest): Promise<DispatchResult> {
    const caller = await this.authenticator.authenticate(request.authorization, request.ip);
    const { tenant, ...params } = request.params;
    const tenantId = await this.tenants.resolve(tenant);
    if (route.access !== 'public') {
      if (!caller) throw ProblemException.unauthorized();
      if (route.access !== 'authenticated') await this.authorize(route, caller, tenantId, params, request.requestId);
    }
    const envelope: RpcEnvelope = { caller, tenantId, ip: request.ip, data: this.dataOf(request, params) };
    const response = await this.rpc.request(route.target, envelope, { requestId: request.requestId });
    return response === undefined || response === null ? { status: 204, body: undefined } : { status: route.status ?? 200, body: response };
  }

  private async authorize(
    route: RouteDefinition,
    caller: Caller,
    tenantId: string | null | undefined,
    params: Record<string, string>,
    requestId: string,
  ): Promise<void> {
    if (route.access === 'public' || route.access === 'authenticated') return;
    if (caller.type === 'SERVICE') throw ProblemException.forbidden('Internal identities cannot call the public API');
    const { permission, namespaceParam } = route.access;
    const action = route.access.action ?? DEFAULT_ACTIONS[route.method];
    const namespace = namespaceParam ? params[namespaceParam] : undefined;
    const decision: Decision = await this.rpc.request(
      AuthorizationRpc.check,
      {
        caller: GATEWAY_CALLER,
        data: {
          subject: { type: caller.type, id: caller.id },
          scope: tenantId === undefined ? 'INSTANCE' : 'TENANT',
          tenantId: tenantId ?? null,
          permission,
          action,
          ...(namespace ? { namespace } : {}),
        },
      },
      { requestId },
    );
    if (!decision.allowed) {
      throw ProblemException.forbidden(`Missing permission ${permission}:${action}${namespace ? ` on namespace ${namespace}` : ''}`, {
        permission,
        action,
        reason: decision.reason,
      });
    }
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
