import { ScimMethod, ScimResponse } from '@gatehouse/contracts';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { scimError } from '@gatehouse/scim';
import { Injectable } from '@nestjs/common';
import { Admission, IncomingRequest } from '../request/incoming-request';
import { RouteDefinition, ScimTarget } from '../request/route-definition';

/**
 * Forwards an admitted SCIM request (docs/scim.md) to identity's provisioning context over NATS: the
 * body as parsed JSON, the query, the resource's id and the If-Match / If-None-Match preconditions; the
 * answer comes back as status, body, ETag and Location.
 */
@Injectable()
export class ScimDispatcher {
  constructor(private readonly rpc: RpcClient) {}

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
    return this.rpc.request(route.target.scim, { caller, tenantId, ip: request.ip, data }, route.method === 'GET' ? { trace: request.trace, ...RETRY_SAFE } : { trace: request.trace });
  }
}
