import { AuthorizationRpc } from '@gatehouse/contracts';
import { RouteDefinition } from '../../request/route-definition';

const T = '/api/v1/:tenant';

/** Catalogue, roles, groups, bindings, tenant access, invitations and decisions (owned by authorization). */
export const AUTHORIZATION_ROUTES: RouteDefinition[] = [
  { method: 'GET', path: `${T}/acls/permissions`, summary: 'The permission catalogue (permissions and actions)', access: 'authenticated', target: AuthorizationRpc.catalogue },
  { method: 'GET', path: `${T}/acls/templates`, summary: 'Role templates: the managed roles\u2019 grids', access: 'authenticated', target: AuthorizationRpc.templates },
  { method: 'POST', path: `${T}/acls/check`, summary: 'Decisions for the signed-in subject in this tenant', access: 'authenticated', target: AuthorizationRpc.checkSelf },
  { method: 'POST', path: `${T}/acls/explain`, summary: 'Which bindings grant the signed-in subject a permission, or why none does', access: 'authenticated', target: AuthorizationRpc.explainSelf },
  { method: 'POST', path: '/api/v1/acls/check', summary: 'Instance-level decisions for the signed-in subject', access: 'authenticated', target: AuthorizationRpc.checkSelf },

  { method: 'GET', path: `${T}/roles`, summary: 'Search roles', access: { permission: 'ROLE' }, target: AuthorizationRpc.listRoles },
  { method: 'POST', path: `${T}/roles`, summary: 'Create a custom role', access: { permission: 'ROLE' }, target: AuthorizationRpc.createRole, status: 201, grants: 'role' },
  { method: 'GET', path: `${T}/roles/:id`, summary: 'Read a role', access: { permission: 'ROLE' }, target: AuthorizationRpc.getRole },
  { method: 'PATCH', path: `${T}/roles/:id`, summary: 'Change a role (managed roles: isDefault only)', access: { permission: 'ROLE' }, target: AuthorizationRpc.updateRole, grants: 'role' },
  { method: 'DELETE', path: `${T}/roles/:id`, summary: 'Delete a custom role and its bindings', access: { permission: 'ROLE' }, target: AuthorizationRpc.deleteRole },
  { method: 'GET', path: '/api/v1/roles', summary: 'Instance-level roles (Instance Admin)', access: { permission: 'ROLE' }, target: AuthorizationRpc.listRoles },

  { method: 'GET', path: `${T}/groups`, summary: 'Search groups', access: { permission: 'GROUP' }, target: AuthorizationRpc.listGroups },
  { method: 'POST', path: `${T}/groups`, summary: 'Create a group', access: { permission: 'GROUP' }, target: AuthorizationRpc.createGroup, status: 201 },
  { method: 'GET', path: `${T}/groups/:id`, summary: 'Read a group', access: { permission: 'GROUP' }, target: AuthorizationRpc.getGroup },
  { method: 'PATCH', path: `${T}/groups/:id`, summary: 'Rename or describe a group', access: { permission: 'GROUP' }, target: AuthorizationRpc.updateGroup },
  { method: 'DELETE', path: `${T}/groups/:id`, summary: 'Delete a group (members stay; its bindings go)', access: { permission: 'GROUP' }, target: AuthorizationRpc.deleteGroup },
  { method: 'GET', path: `${T}/groups/:id/members`, summary: 'Members of a group', access: { permission: 'GROUP_MEMBERSHIP' }, target: AuthorizationRpc.listGroupMembers },
  { method: 'POST', path: `${T}/groups/:id/members`, summary: 'Add a user or service account to a group', access: { permission: 'GROUP_MEMBERSHIP' }, target: AuthorizationRpc.addGroupMember, status: 201, grants: 'membership' },
  { method: 'DELETE', path: `${T}/groups/:id/members/:memberId`, summary: 'Remove a member from a group', access: { permission: 'GROUP_MEMBERSHIP' }, target: AuthorizationRpc.removeGroupMember },
  {
    method: 'POST', path: `${T}/groups/:id/password-reset`, summary: 'Send every user of the group a mandatory password reset',
    access: { permission: 'USER', action: 'UPDATE' }, target: AuthorizationRpc.requestGroupPasswordReset, grants: 'account',
  },
  { method: 'GET', path: `${T}/users/:userId/groups`, summary: 'Groups of a user or service account', access: { permission: 'GROUP_MEMBERSHIP' }, target: AuthorizationRpc.listUserGroups },
  { method: 'POST', path: `${T}/users/:userId/groups`, summary: 'Add a user or service account to a group', access: { permission: 'GROUP_MEMBERSHIP' }, target: AuthorizationRpc.addUserToGroup, status: 201, grants: 'membership' },
  { method: 'DELETE', path: `${T}/users/:userId/groups/:groupId`, summary: 'Remove a user from a group', access: { permission: 'GROUP_MEMBERSHIP' }, target: AuthorizationRpc.removeUserFromGroup },
  {
    method: 'POST', path: `${T}/users/:id/password-reset`, summary: 'Send one user of the tenant a mandatory password reset',
    access: { permission: 'USER', action: 'UPDATE' }, target: AuthorizationRpc.requestTenantUserPasswordReset, grants: 'account',
  },
  { method: 'GET', path: `${T}/users/:id/permissions`, summary: 'Effective permissions of a user or service account, with their origin', access: { permission: 'USER' }, target: AuthorizationRpc.userPermissions },

  { method: 'GET', path: `${T}/bindings`, summary: 'Search bindings by subject, role, namespace', access: { permission: 'BINDING' }, target: AuthorizationRpc.searchBindings },
  { method: 'POST', path: `${T}/bindings`, summary: 'Bind a role to a user, service account or group', access: { permission: 'BINDING' }, target: AuthorizationRpc.createBinding, status: 201, grants: 'binding' },
  { method: 'POST', path: `${T}/bindings/bulk`, summary: 'Create several bindings, all or nothing', access: { permission: 'BINDING', action: 'CREATE' }, target: AuthorizationRpc.createBindings, status: 201, grants: 'binding' },
  { method: 'GET', path: `${T}/bindings/:id`, summary: 'Read a binding', access: { permission: 'BINDING' }, target: AuthorizationRpc.getBinding },
  { method: 'DELETE', path: `${T}/bindings/:id`, summary: 'Delete a binding (bindings are immutable)', access: { permission: 'BINDING' }, target: AuthorizationRpc.deleteBinding },
  { method: 'GET', path: '/api/v1/bindings', summary: 'Search instance-level bindings', access: { permission: 'BINDING' }, target: AuthorizationRpc.searchBindings },
  { method: 'POST', path: '/api/v1/bindings', summary: 'Grant an instance-level role (Instance Admin)', access: { permission: 'BINDING' }, target: AuthorizationRpc.createBinding, status: 201, grants: 'binding' },
  { method: 'DELETE', path: '/api/v1/bindings/:id', summary: 'Revoke an instance-level binding', access: { permission: 'BINDING' }, target: AuthorizationRpc.deleteBinding },

  { method: 'GET', path: '/api/v1/me/tenants', summary: 'Tenants the signed-in subject can reach (access there; all of them for TENANT holders)', access: 'authenticated', target: AuthorizationRpc.reachableTenants },
  { method: 'GET', path: `${T}/tenant-access`, summary: 'Users and service accounts with access to this tenant', access: { permission: 'TENANT_ACCESS' }, target: AuthorizationRpc.listTenantAccess },
  { method: 'GET', path: `${T}/tenant-access/lookup`, summary: 'Find an existing user by exact email', access: { permission: 'TENANT_ACCESS', action: 'READ' }, target: AuthorizationRpc.findTenantUser },
  { method: 'POST', path: `${T}/tenant-access`, summary: 'Give an existing user (by email) groups and roles here', access: { permission: 'TENANT_ACCESS' }, target: AuthorizationRpc.addTenantAccess, status: 201, grants: 'tenant-access' },
  { method: 'DELETE', path: `${T}/tenant-access/:userId`, summary: 'Remove every binding and membership of a subject here', access: { permission: 'TENANT_ACCESS' }, target: AuthorizationRpc.removeTenantAccess },

  { method: 'GET', path: `${T}/invitations`, summary: 'Search invitations', access: { permission: 'INVITATION' }, target: AuthorizationRpc.listInvitations },
  { method: 'POST', path: `${T}/invitations`, summary: 'Invite someone by email (the answer carries the link)', access: { permission: 'INVITATION' }, target: AuthorizationRpc.createInvitation, status: 201, grants: 'invitation' },
  { method: 'GET', path: `${T}/invitations/:id`, summary: 'Read an invitation', access: { permission: 'INVITATION' }, target: AuthorizationRpc.getInvitation },
  { method: 'DELETE', path: `${T}/invitations/:id`, summary: 'Withdraw an invitation', access: { permission: 'INVITATION' }, target: AuthorizationRpc.deleteInvitation },
  { method: 'POST', path: '/api/v1/invitations/accept', summary: 'Accept an invitation (creates the account when needed)', access: 'public', target: AuthorizationRpc.acceptInvitation, grants: 'invitation' },
];
