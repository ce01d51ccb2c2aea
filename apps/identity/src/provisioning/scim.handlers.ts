import { Caller, ScimRequest, ScimResponse, ProvisioningRpc } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { scimError } from '@gatehouse/scim';
import { Controller } from '@nestjs/common';
import { tenantKeyOf } from '../common/tenant-key';
import { IdentityEnv } from '../identity.env';
import { scimPathOf } from './integrations.service';
import { scimDiscovery } from './scim-discovery';
import { ScimGroupsEndpoint } from './scim-groups.endpoint';
import { ScimContext, ScimUsersService } from './scim-users.service';

/** The SCIM 2.0 service provider of an integration (docs/scim.md): the gateway authenticated it and checked its owner's permission. */
@Controller()
export class ScimHandlers {
  constructor(private readonly users: ScimUsersService, private readonly groups: ScimGroupsEndpoint, private readonly env: IdentityEnv) {}

  @RpcHandler(ProvisioningRpc.scim)
  handle(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ScimRequest): Promise<ScimResponse> | ScimResponse {
    const tenantKey = tenantKeyOf(tenantId);
    // The gateway admits an integration's secret on its own routes only; this holds it to that here too.
    if (!caller?.integration || caller.integration.id !== request.integrationId || (caller.integration.tenantId ?? '') !== tenantKey) {
      throw scimError(401, undefined, "Use this integration's secret as the bearer token");
    }
    const context: ScimContext = { caller, tenantKey, integrationId: request.integrationId, baseUrl: `${this.env.JWT_ISSUER}${scimPathOf(tenantKey, request.integrationId)}` };
    const { endpoint, method, resourceId: id, query, body, ifMatch } = request;
    if (endpoint === 'ServiceProviderConfig' || endpoint === 'ResourceTypes' || endpoint === 'Schemas') return scimDiscovery(endpoint, id, context.baseUrl);
    const resources = endpoint === 'Users' ? this.users : this.groups;
    if (id === undefined) {
      if (method === 'GET') return resources.list(context, query);
      if (method === 'POST') return resources.create(context, body);
    } else {
      if (method === 'GET') return resources.get(context, id, query);
      if (method === 'PUT') return resources.replace(context, id, body, ifMatch);
      if (method === 'PATCH') return resources.patch(context, id, body, ifMatch);
      if (method === 'DELETE') return resources.delete(context, id, ifMatch);
    }
    throw scimError(405, undefined, `${method} is not supported here`);
  }
}
