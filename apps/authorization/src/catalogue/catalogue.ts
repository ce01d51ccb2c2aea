import { ACTIONS, INSTANCE_PERMISSIONS, isNamespaced, Permission, PermissionCatalogue, RoleTemplate, TENANT_PERMISSIONS } from '@gatehouse/contracts';
import { INSTANCE_ADMIN_ROLE, MANAGED_TENANT_ROLES } from './managed-roles';

const DESCRIPTIONS: Record<Permission, string> = {
  FLOW: 'Flows (definitions) in namespaces',
  EXECUTION: 'Executions of flows: start, follow, stop, delete',
  TEMPLATE: 'Templates',
  NAMESPACE: 'Namespaces and their files',
  KVSTORE: 'Key-value store entries of namespaces',
  SECRET: 'Secrets of namespaces',
  DASHBOARD: 'Dashboards',
  APP: 'Apps',
  AUDITLOG: 'The tenant audit trail',
  SETTING: 'Tenant settings',
  USER: 'Users with access to the tenant',
  GROUP: 'Groups',
  GROUP_MEMBERSHIP: 'Members of groups',
  ROLE: 'Roles (granting a role that contains ROLE also needs TENANT)',
  BINDING: 'Bindings of roles to users, service accounts and groups',
  SERVICE_ACCOUNT: 'Service accounts and their API tokens',
  INVITATION: 'Invitations to the tenant',
  TENANT_ACCESS: 'Who has access to the tenant; adding existing users',
  IMPERSONATE: 'Acting as another user of the tenant',
  TENANT: 'Tenants of the instance (instance level)',
  WORKER: 'Workers of the instance (instance level)',
};

export const PERMISSION_CATALOGUE: PermissionCatalogue = {
  permissions: [
    ...TENANT_PERMISSIONS.map((name) => ({ name, level: 'TENANT' as const, namespaced: isNamespaced(name), description: DESCRIPTIONS[name] })),
    ...INSTANCE_PERMISSIONS.map((name) => ({ name, level: 'INSTANCE' as const, namespaced: false, description: DESCRIPTIONS[name] })),
  ],
  actions: [...ACTIONS],
};

/** Role templates: the managed roles' grids, to start a custom role from. */
export const ROLE_TEMPLATES: RoleTemplate[] = [...MANAGED_TENANT_ROLES, INSTANCE_ADMIN_ROLE].map((r) => ({
  name: r.name,
  description: r.description,
  scope: r.scope,
  permissions: r.permissions,
}));
