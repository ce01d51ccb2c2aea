import { ScimMethod, ScimResponse } from '@gatehouse/contracts';
import { RpcClient } from '@gatehouse/messaging';
import { scimError } from '@gatehouse/scim';
import { Injectable } from '@nestjs/common';
import { Admission, IncomingRequest } from '../request/incoming-request';
import { RouteDefinition, ScimTarget } from '../request/route-definition';
import { RouteTimeouts } from './route-timeouts';

/**
 * How long a SCIM request may take: a group written with thousands of members, each judged by the grant
 * guard, or a page of 1000 resources, takes longer than a plain command (RPC_TIMEOUT_MS).
 */
export const SCIM_TIMEOUT_MS = 30_000;

/**
 * Forwards an admitted SCIM request (docs/scim.md) to identity's provisioning context over NATS: the
 * body as parsed JSON, the query, the resource's id and the If-Match / If-None-Match preconditions; the
 * answer comes back as status, body, ETag and Location.
 */
@Injectable()
export class ScimDispatcher {
  constructor(
    private readonly rpc: RpcClient,
    private readonly timeouts: RouteTimeouts,
  ) {}

  dispatch(route: RouteDefinition & { target: ScimTarget }, request: IncomingRequest, admission: Admission): Promise<ScimResponse> {
    const { caller, tenantId, params } = admission;
    const header = (name: string) => {
      const value = request.headers[name];
      if (Array.isArray(value)) throw scimError(400, 'invalidValue', `${name} must be given once`);
      return value;
    };
    const ifMatch = header('if-match');
    const ifNoneMatch = header('if-none-match');
    const data = {
      endpoint: route.target.endpoint,
      method: route.method as ScimMethod,
      integrationId: params['id'],
      ...(params['resourceId'] !== undefined ? { resourceId: params['resourceId'] } : {}),
      query: request.query ?? {},
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(ifMatch !== undefined ? { ifMatch } : {}),
      ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
    };
    return this.rpc.request(route.target.scim, { caller, tenantId, ip: request.ip, data }, { trace: request.trace, timeoutMs: this.timeouts.of(route, SCIM_TIMEOUT_MS) });
  }
}
