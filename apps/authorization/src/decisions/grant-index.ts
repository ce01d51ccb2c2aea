import { Action, ACTIONS, Decision, GOVERNANCE_PERMISSIONS, isNamespaced, Permission, PermissionGrid, Scope, TENANT_PERMISSIONS } from '@gatehouse/contracts';

/** One binding as the engine sees it (direct, or inherited through a group). */
export interface GrantSource {
  bindingId: string;
  scope: Scope;
  tenantId: string | null;
  namespaces: string[] | null;
  permissions: PermissionGrid;
  groupId?: string | null;
  /** Descriptive, for explanations (not used by decisions). */
  roleId?: string;
  roleName?: string;
  groupName?: string | null;
}

export interface SubjectState {
  superAdmin: boolean;
  disabled: boolean;
}

export interface DecisionQuery {
  scope: Scope;
  tenantId?: string | null;
  permission: Permission;
  action: Action;
  namespace?: string;
}

/** Permissions an Instance Admin governs inside every tenant; BINDING and memberships are excluded so it can never make itself Admin there. */
export const INSTANCE_GOVERNED_IN_TENANTS: readonly Permission[] = ['USER', 'GROUP', 'ROLE', 'SERVICE_ACCOUNT'];

/** Where a (scope, tenant, permission, action) grant applies: everywhere, or under namespace prefixes. */
export class NamespaceGrant {
  private everywhere: string | null = null;
  private readonly prefixes = new Map<string, string>();

  add(namespaces: string[] | null, origin: string): void {
    if (!namespaces || namespaces.length === 0) {
      this.everywhere ??= origin;
      return;
    }
    for (const ns of namespaces) if (!this.prefixes.has(ns)) this.prefixes.set(ns, origin);
  }

  /**
   * The origin of the grant covering `namespace`: `a.b` covers `a.b` and `a.b.*`, never `a.bc`. Costs one
   * map look-up per dotted level. Without a namespace, any grant counts (the caller filters by `scope()`).
   */
  match(namespace: string | undefined): string | null {
    if (this.everywhere) return this.everywhere;
    if (namespace === undefined) return this.prefixes.size > 0 ? this.prefixes.values().next().value ?? null : null;
    let candidate = namespace;
    for (;;) {
      const origin = this.prefixes.get(candidate);
      if (origin) return origin;
      const dot = candidate.lastIndexOf('.');
      if (dot < 0) return null;
      candidate = candidate.slice(0, dot);
    }
  }

  /** The origin of a grant on every namespace, if there is one. */
  matchEverywhere(): string | null {
    return this.everywhere;
  }

  /** null = every namespace; else the granted prefixes. */
  scope(): string[] | null {
    return this.everywhere ? null : [...this.prefixes.keys()];
  }
}

const TENANT_LEVEL = new Set<Permission>(TENANT_PERMISSIONS);
const isTenantLevel = (permission: Permission): boolean => TENANT_LEVEL.has(permission);

/**
 * Scope rule: a tenant-level permission (AUDITLOG, GROUP, ...) is granted only by a tenant-wide binding; a
 * namespace-limited binding that carries one (created before the rule, reported at start-up) grants it nowhere.
 */
const tenantLevelInTenant = (query: DecisionQuery): boolean => query.scope === 'TENANT' && !isNamespaced(query.permission);

const keyOf = (scope: Scope, tenantId: string | null | undefined, permission: Permission, action: Action): string =>
  `${scope === 'INSTANCE' ? 'I' : 'T'}|${scope === 'INSTANCE' ? '' : tenantId ?? ''}|${permission}|${action}`;

/**
 * What the Super Admin flag grants without a binding: every action on the governance permissions (in a
 * tenant, those that are tenant-level), and at instance level reading the instance audit trail (tenant
 * lifecycle, user management: governance, not tenant data).
 */
export function superAdminGrants(scope: Scope, permission: Permission, action: Action): boolean {
  if (GOVERNANCE_PERMISSIONS.includes(permission) && (scope === 'INSTANCE' || isTenantLevel(permission))) return true;
  return scope === 'INSTANCE' && permission === 'AUDITLOG' && action === 'READ';
}

/**
 * A subject's grants compiled into one flat map keyed by (scope, tenant, permission, action), so a
 * decision costs a few map look-ups whatever the number of bindings in the system.
 */
export class GrantIndex {
  private readonly grants = new Map<string, NamespaceGrant>();

  constructor(readonly state: SubjectState, sources: GrantSource[]) {
    for (const source of sources) {
      const origin = source.groupId ? `group:${source.groupId}/binding:${source.bindingId}` : `binding:${source.bindingId}`;
      for (const [permission, actions] of Object.entries(source.permissions) as Array<[Permission, Action[]]>) {
        for (const action of actions ?? []) {
          const key = keyOf(source.scope, source.tenantId, permission, action);
          let grant = this.grants.get(key);
          if (!grant) this.grants.set(key, (grant = new NamespaceGrant()));
          grant.add(source.scope === 'INSTANCE' ? null : source.namespaces, origin);
        }
      }
    }
  }

  decide(query: DecisionQuery): Decision {
    if (this.state.disabled) return { allowed: false, reason: 'subject-disabled' };
    const grant = this.grants.get(keyOf(query.scope, query.tenantId, query.permission, query.action));
    const origin = tenantLevelInTenant(query) ? grant?.matchEverywhere() : grant?.match(query.namespace);
    if (grant && origin) {
      return { allowed: true, reason: origin, ...(query.namespace === undefined ? { namespaces: grant.scope() } : {}) };
    }
    if (this.state.superAdmin && superAdminGrants(query.scope, query.permission, query.action)) {
      return { allowed: true, reason: 'super-admin', namespaces: null };
    }
    if (query.scope === 'TENANT' && INSTANCE_GOVERNED_IN_TENANTS.includes(query.permission)) {
      const instance = this.grants.get(keyOf('INSTANCE', null, query.permission, query.action));
      const instanceOrigin = instance?.match(undefined);
      if (instanceOrigin) return { allowed: true, reason: `instance-admin:${instanceOrigin}`, namespaces: null };
    }
    const where = query.namespace ? ` in namespace ${query.namespace}` : '';
    return { allowed: false, reason: `missing ${query.permission}:${query.action}${where}` };
  }

  /**
   * Whether the subject's own bindings (direct or through groups) grant this, ignoring the Super Admin
   * flag and Instance Admin's governance in tenants. Without a namespace: only a grant on every namespace.
   */
  holdsDirectly(query: DecisionQuery): boolean {
    if (this.state.disabled) return false;
    const grant = this.grants.get(keyOf(query.scope, query.tenantId, query.permission, query.action));
    if (!grant) return false;
    return query.namespace === undefined || tenantLevelInTenant(query) ? grant.scope() === null : grant.match(query.namespace) !== null;
  }

  /** Whether the subject holds the permission with any action in that scope (flags and governance included). */
  holdsAny(scope: Scope, tenantId: string | null | undefined, permission: Permission): boolean {
    return ACTIONS.some((action) => this.decide({ scope, tenantId, permission, action }).allowed);
  }
}
