/** The permission catalogue. It is data: served by `GET /api/v1/{tenant}/acls/permissions`. */
export const TENANT_PERMISSIONS = [
  'FLOW', 'EXECUTION', 'TEMPLATE', 'NAMESPACE', 'KVSTORE', 'SECRET', 'DASHBOARD', 'APP', 'AUDITLOG',
  'SETTING', 'USER', 'GROUP', 'GROUP_MEMBERSHIP', 'ROLE', 'BINDING', 'SERVICE_ACCOUNT', 'INVITATION',
  'TENANT_ACCESS', 'IMPERSONATE',
] as const;
export const INSTANCE_PERMISSIONS = ['TENANT', 'WORKER'] as const;
export const PERMISSIONS = [...TENANT_PERMISSIONS, ...INSTANCE_PERMISSIONS] as const;
export const ACTIONS = ['CREATE', 'READ', 'UPDATE', 'DELETE'] as const;

export type TenantPermission = (typeof TENANT_PERMISSIONS)[number];
export type InstancePermission = (typeof INSTANCE_PERMISSIONS)[number];
export type Permission = (typeof PERMISSIONS)[number];
export type Action = (typeof ACTIONS)[number];

/** A role's grid: which actions it grants on each permission. */
export type PermissionGrid = Partial<Record<Permission, Action[]>>;

/**
 * Permissions that administer access itself. Super Admins hold them everywhere without a binding;
 * they never imply access to tenant data (FLOW, EXECUTION, AUDITLOG, ...).
 */
export const GOVERNANCE_PERMISSIONS: readonly Permission[] = [
  'TENANT', 'USER', 'GROUP', 'GROUP_MEMBERSHIP', 'ROLE', 'BINDING', 'SERVICE_ACCOUNT', 'INVITATION',
  'TENANT_ACCESS',
];

/**
 * The scope rule (as Kestra 2.1): these permissions are namespace-level and may be limited to namespaces
 * by a binding; every other tenant permission is tenant-level (AUDITLOG, USER, GROUP, ROLE, BINDING, ...)
 * and only a tenant-wide binding grants it.
 */
export const NAMESPACED_PERMISSIONS: readonly Permission[] = ['FLOW', 'EXECUTION', 'TEMPLATE', 'NAMESPACE', 'KVSTORE', 'SECRET', 'DASHBOARD', 'APP'];

export function isNamespaced(permission: Permission): boolean {
  return NAMESPACED_PERMISSIONS.includes(permission);
}

/** Where a binding or a check applies: one tenant, or the whole instance (Instance Admin). */
export type Scope = 'TENANT' | 'INSTANCE';

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
