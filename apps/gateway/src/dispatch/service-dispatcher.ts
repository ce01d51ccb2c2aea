import { RpcEnvelope } from '@gatehouse/contracts';
import { assertNestingWithinLimit, ProblemException } from '@gatehouse/errors';
import { IDEMPOTENT_REPLAYED_HEADER, IdempotencyTicket, RETRY_SAFE, RpcCallOptions, RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { IdempotencyStore } from '../idempotency/idempotency-store';
import { Admission, IncomingRequest } from '../request/incoming-request';
import { RouteTimeouts } from './route-timeouts';
import { isForwardAuthOnly, isHttpBridge, isScim, isUpstream, RouteDefinition } from '../request/route-definition';

export interface DispatchResult {
  status: number;
  body: unknown;
  /** The stored answer of an earlier request with the same Idempotency-Key. */
  replayed?: boolean;
}

/**
 * Step 5 of the request path (DESIGN §4) for a built-in route: forwards an admitted request to the
 * service that owns it, over NATS, with the verified identity in the message envelope. The sibling of
 * the upstream proxy (HTTP services); neither knows the other.
 */
@Injectable()
export class ServiceDispatcher {
  constructor(
    private readonly rpc: RpcClient,
    private readonly idempotency: IdempotencyStore,
    private readonly timeouts: RouteTimeouts,
  ) {}

  /** Forwards an admitted request to the built-in service that owns the route (over NATS). */
  async dispatch(route: RouteDefinition, request: IncomingRequest, admission: Admission): Promise<DispatchResult> {
    if (isUpstream(route.target)) throw new Error(`${route.path} targets an upstream; use the proxy`);
    if (isHttpBridge(route.target)) throw new Error(`${route.path} targets an HTTP bridge; use HttpBridge`);
    if (isForwardAuthOnly(route.target)) throw new Error(`${route.path} is an ingress's route; only forward-auth decides it`);
    if (isScim(route.target)) throw new Error(`${route.path} is a SCIM route; use ScimDispatcher`);
    const { caller, tenantId, params } = admission;
    const target = route.target;
    const userAgent = request.headers['user-agent'];
    const envelope: RpcEnvelope = {
      caller, tenantId, ip: request.ip, ...(typeof userAgent === 'string' && userAgent ? { userAgent: userAgent.slice(0, 512) } : {}), data: this.dataOf(request, params),
    };
    const options = { trace: request.trace, timeoutMs: this.timeouts.of(route), ...(route.method === 'GET' ? RETRY_SAFE : {}) };
    const call = (ticket?: IdempotencyTicket, onReplyHeaders?: RpcCallOptions['onReplyHeaders']): Promise<unknown> =>
      this.rpc.request(target, ticket ? { ...envelope, idempotency: ticket } : envelope, { ...options, onReplyHeaders });
    const result = (response: unknown): DispatchResult =>
      response === undefined || response === null ? { status: 204, body: undefined } : { status: route.status ?? 200, body: response };
    const key = request.headers['idempotency-key'];
    if (route.method === 'GET' || typeof key !== 'string') return result(await call());
    const { outcome, replayed } = await this.idempotency.run(
      { subjectId: caller?.id ?? null, method: route.method, route: route.path, params: request.params },
      key,
      request.body,
      async (ticket, replayedByService) => {
        const body = await call(ticket, (headers) => headers?.get(IDEMPOTENT_REPLAYED_HEADER) === 'true' && replayedByService());
        return { kind: 'response', body: body ?? null };
      },
    );
    if (outcome.kind === 'problem') return { status: outcome.problem.status, body: outcome.problem, replayed };
    return { ...result(outcome.body), replayed };
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
