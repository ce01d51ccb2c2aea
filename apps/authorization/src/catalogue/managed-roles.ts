import { Action, ACTIONS, PermissionGrid, Scope, TENANT_PERMISSIONS, TenantPermission } from '@gatehouse/contracts';

export interface ManagedRoleDefinition {
  name: string;
  description: string;
  scope: Scope;
  permissions: PermissionGrid;
}

const ALL: Action[] = [...ACTIONS];
const READ: Action[] = ['READ'];
const grid = (entries: Array<[TenantPermission, Action[]]>): PermissionGrid => Object.fromEntries(entries);

/** Every tenant permission with every action: the tenant Admin (instance-level permissions excluded). */
const ADMIN = grid(TENANT_PERMISSIONS.map((p) => [p, ALL]));

/**
 * The managed roles created in every tenant (and the default tenant). They cannot be deleted.
 * - Admin: everything in the tenant except instance-level permissions (TENANT, WORKER).
 * - Developer: builds and runs flows, manages their namespaces' files, KV and secrets; reads the rest.
 * - Editor: edits flows, templates, dashboards and apps and runs them; no secrets.
 * - Launcher: runs existing flows and reads them.
 * - Viewer: reads flows, executions, templates, namespaces, dashboards and apps.
 * Scope rule: Editor, Launcher and Viewer hold only namespace-level permissions, so a binding may limit them
 * to namespaces; Admin and Developer (audit log, users, groups) are bound tenant-wide only.
 */
export const MANAGED_TENANT_ROLES: ManagedRoleDefinition[] = [
  { name: 'Admin', description: 'Full access to the tenant', scope: 'TENANT', permissions: ADMIN },
  {
    name: 'Developer',
    description: 'Build, run and debug flows, with namespace files, KV store and secrets',
    scope: 'TENANT',
    permissions: grid([
      ['FLOW', ALL], ['EXECUTION', ALL], ['TEMPLATE', ALL], ['NAMESPACE', ALL], ['KVSTORE', ALL],
      ['SECRET', ALL], ['DASHBOARD', ALL], ['APP', ALL], ['AUDITLOG', READ], ['USER', READ], ['GROUP', READ],
    ]),
  },
  {
    name: 'Editor',
    description: 'Edit and run flows, templates, dashboards and apps',
    scope: 'TENANT',
    permissions: grid([
      ['FLOW', ALL], ['EXECUTION', ALL], ['TEMPLATE', ALL], ['NAMESPACE', READ], ['KVSTORE', READ],
      ['DASHBOARD', ALL], ['APP', ALL],
    ]),
  },
  {
    name: 'Launcher',
    description: 'Run existing flows and follow their executions',
    scope: 'TENANT',
    permissions: grid([['FLOW', READ], ['EXECUTION', ['CREATE', 'READ']], ['NAMESPACE', READ], ['APP', READ]]),
  },
  {
    name: 'Viewer',
    description: 'Read-only access to flows, executions and dashboards',
    scope: 'TENANT',
    permissions: grid([
      ['FLOW', READ], ['EXECUTION', READ], ['TEMPLATE', READ], ['NAMESPACE', READ], ['DASHBOARD', READ], ['APP', READ],
    ]),
  },
];

/** Bound at instance level: governs tenants, users, groups and roles across the instance. */
export const INSTANCE_ADMIN_ROLE: ManagedRoleDefinition = {
  name: 'Instance Admin',
  description: 'Create and delete tenants and govern users, groups and roles across the instance',
  scope: 'INSTANCE',
  permissions: { ...ADMIN, TENANT: ALL, WORKER: ALL },
};
