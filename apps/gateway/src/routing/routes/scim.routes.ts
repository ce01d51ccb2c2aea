import { ProvisioningRpc, ScimEndpoint } from '@gatehouse/contracts';
import { HttpMethod, PermissionRequirement, RouteDefinition, ScimTarget } from '../../request/route-definition';

/** Bodies of SCIM requests: a group PUT or PATCH with thousands of members fits. */
const SCIM_MAX_BODY_BYTES = 2 * 1024 * 1024;
const BASE = '/api/v1/:tenant/integrations/:id/scim/v2';

const target = (endpoint: ScimEndpoint): ScimTarget => ({ scim: ProvisioningRpc.scim, endpoint, maxBodyBytes: SCIM_MAX_BODY_BYTES });

const scim = (
  method: HttpMethod, endpoint: ScimEndpoint, path: string, summary: string, access: PermissionRequirement, extra: Partial<RouteDefinition> = {},
): RouteDefinition => ({ method, path: `${BASE}${path}`, summary, access, target: target(endpoint), ...extra });

const USER: PermissionRequirement = { permission: 'USER' };
const GROUP: PermissionRequirement = { permission: 'GROUP' };
const DISCOVERY: PermissionRequirement = { permission: 'USER', action: 'READ' };

/**
 * Provisioning (docs/scim.md): a tenant's integrations, managed by its admins (USER), and the SCIM 2.0
 * service provider each serves, reached only with that integration's secret and checked against its
 * owner's permissions (USER for Users and discovery, GROUP for Groups) on every request.
 */
export const SCIM_ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/api/v1/:tenant/integrations', summary: 'Search provisioning integrations', access: USER, target: ProvisioningRpc.listIntegrations },
  { method: 'POST', path: '/api/v1/:tenant/integrations', summary: 'Create a provisioning integration (its SCIM secret is shown once; it acts with your permissions)', access: USER, target: ProvisioningRpc.createIntegration, status: 201 },
  { method: 'GET', path: '/api/v1/:tenant/integrations/:id', summary: 'Read a provisioning integration (never its secret)', access: USER, target: ProvisioningRpc.getIntegration },
  { method: 'PATCH', path: '/api/v1/:tenant/integrations/:id', summary: 'Rename, enable or disable a provisioning integration', access: USER, target: ProvisioningRpc.updateIntegration },
  { method: 'DELETE', path: '/api/v1/:tenant/integrations/:id', summary: 'Delete a provisioning integration (its secret stops at once)', access: USER, target: ProvisioningRpc.deleteIntegration },
  { method: 'POST', path: '/api/v1/:tenant/integrations/:id/secret', summary: "Rotate an integration's secret (shown once; the old one stops; the integration then acts with your permissions)", access: { permission: 'USER', action: 'UPDATE' }, target: ProvisioningRpc.rotateIntegrationSecret },

  scim('GET', 'ServiceProviderConfig', '/ServiceProviderConfig', 'SCIM: what this service provider supports (RFC 7644 §4)', DISCOVERY),
  scim('GET', 'ResourceTypes', '/ResourceTypes', 'SCIM: the resource types (User, Group)', DISCOVERY),
  scim('GET', 'ResourceTypes', '/ResourceTypes/:resourceId', 'SCIM: one resource type', DISCOVERY),
  scim('GET', 'Schemas', '/Schemas', 'SCIM: the schemas (User, Group, the enterprise User extension)', DISCOVERY),
  scim('GET', 'Schemas', '/Schemas/:resourceId', 'SCIM: one schema, by its URN', DISCOVERY),
  scim('GET', 'Users', '/Users', 'SCIM: list the users provisioned in the tenant (filter, startIndex, count, sortBy, sortOrder, attributes)', USER),
  scim('POST', 'Users', '/Users', 'SCIM: provision a user (an existing user with this verified email is linked)', USER, { grants: 'provisioning' }),
  scim('GET', 'Users', '/Users/:resourceId', 'SCIM: read a provisioned user', USER),
  scim('PUT', 'Users', '/Users/:resourceId', 'SCIM: replace a provisioned user (If-Match)', USER, { grants: 'provisioning' }),
  scim('PATCH', 'Users', '/Users/:resourceId', 'SCIM: change a provisioned user (add, replace, remove; active:false disables the account)', USER, { grants: 'provisioning' }),
  scim('DELETE', 'Users', '/Users/:resourceId', "SCIM: deprovision a user (its access to the tenant; the account if provisioning created it and nothing else uses it)", USER),
  scim('GET', 'Groups', '/Groups', "SCIM: list the tenant's groups (filter, startIndex, count, sortBy, sortOrder, attributes)", GROUP),
  scim('POST', 'Groups', '/Groups', 'SCIM: create a group with members (each judged by the grant guard)', GROUP, { grants: 'membership' }),
  scim('GET', 'Groups', '/Groups/:resourceId', 'SCIM: read a group', GROUP),
  scim('PUT', 'Groups', '/Groups/:resourceId', 'SCIM: replace a group and its members (If-Match)', GROUP, { grants: 'membership' }),
  scim('PATCH', 'Groups', '/Groups/:resourceId', 'SCIM: change a group (displayName, members added or removed by value filter)', GROUP, { grants: 'membership' }),
  scim('DELETE', 'Groups', '/Groups/:resourceId', 'SCIM: delete a group (its memberships and bindings; the users stay)', GROUP),
];
