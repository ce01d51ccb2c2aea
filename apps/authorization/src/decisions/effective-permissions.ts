import {
  Action, ACTIONS, CheckRequest, EffectivePermission, Explanation, GrantOrigin, Page,
  isNamespaced, PageQuery, Permission, PERMISSIONS, resolvePage, Scope, SubjectRef, TENANT_PERMISSIONS,
} from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { SubjectFactsService } from '../subjects/subject-facts.service';
import { LiveTenants } from '../tenants/live-tenants';
import { DecisionService } from './decision.service';
import { GrantSource, INSTANCE_GOVERNED_IN_TENANTS, superAdminGrants } from './grant-index';
import { GrantLoader } from './grant-loader';
import { covers } from '../common/namespaces';

export interface Where {
  scope: Scope;
  tenantId: string | null | undefined;
  namespace?: string;
}

const originOf = (s: GrantSource): GrantOrigin => ({
  bindingId: s.bindingId,
  roleId: s.roleId ?? '',
  roleName: s.roleName ?? '',
  groupId: s.groupId ?? null,
  groupName: s.groupName ?? null,
  scope: s.scope,
  namespaces: s.namespaces,
});

const inScope = (s: GrantSource, where: Where): boolean =>
  s.scope === where.scope && (where.scope === 'INSTANCE' || (s.tenantId ?? null) === (where.tenantId ?? null));

/**
 * The slow, descriptive side of decisions (not the hot path): what a subject may do and why, read
 * from its bindings with role and group names.
 */
@Injectable()
export class EffectivePermissions {
  constructor(
    private readonly loader: GrantLoader,
    private readonly subjects: SubjectFactsService,
    private readonly liveTenants: LiveTenants,
    private readonly decisions: DecisionService,
  ) {}

  async list(subject: SubjectRef, where: Where, query: PageQuery): Promise<Page<EffectivePermission>> {
    const all = await this.compute(subject.id, where);
    const q = query.q?.toUpperCase();
    const filtered = q ? all.filter((e) => `${e.permission}:${e.action}`.includes(q)) : all;
    const page = resolvePage(query, ['permission'], 'permission');
    const ordered = page.sortDir === 'DESC' ? [...filtered].reverse() : filtered;
    return { results: ordered.slice(page.offset, page.offset + page.size), total: filtered.length, page: page.page, size: page.size };
  }

  async compute(subjectId: string, where: Where): Promise<EffectivePermission[]> {
    if (where.scope === 'TENANT' && !this.liveTenants.isLive(where.tenantId)) return [];
    const facts = await this.subjects.get(subjectId);
    if (!facts || facts.disabled) return [];
    const sources = await this.loader.load(subjectId);
    const entries = new Map<string, EffectivePermission>();
    const entry = (permission: Permission, action: Action): EffectivePermission => {
      const key = `${permission}|${action}`;
      let found = entries.get(key);
      if (!found) entries.set(key, (found = { permission, action, namespaces: [], via: [], origins: [] }));
      return found;
    };
    for (const source of sources.filter((s) => inScope(s, where))) {
      const namespaces = source.scope === 'INSTANCE' ? null : source.namespaces;
      if (where.namespace && namespaces && !namespaces.some((ns) => covers(ns, where.namespace as string))) continue;
      for (const [permission, actions] of Object.entries(source.permissions) as Array<[Permission, Action[]]>) {
        // Scope rule: a namespace-limited binding grants no tenant-level permission.
        if (namespaces && !isNamespaced(permission)) continue;
        for (const action of actions ?? []) {
          const e = entry(permission, action);
          e.namespaces = e.namespaces === null || namespaces === null ? null : [...new Set([...e.namespaces, ...namespaces])];
          const via = source.groupId ? 'group' : 'binding';
          if (!e.via.includes(via)) e.via.push(via);
          e.origins.push(originOf(source));
        }
      }
    }
    const flag = (permission: Permission, action: Action, via: 'super-admin' | 'instance-admin') => {
      const e = entry(permission, action);
      e.namespaces = null;
      if (!e.via.includes(via)) e.via.push(via);
    };
    const universe: readonly Permission[] = where.scope === 'TENANT' ? TENANT_PERMISSIONS : PERMISSIONS;
    for (const permission of universe) {
      for (const action of ACTIONS) if (facts.superAdmin && superAdminGrants(where.scope, permission, action)) flag(permission, action, 'super-admin');
    }
    if (where.scope === 'TENANT') {
      const instance = sources.filter((s) => s.scope === 'INSTANCE');
      for (const permission of INSTANCE_GOVERNED_IN_TENANTS) {
        for (const action of ACTIONS) if (instance.some((s) => s.permissions[permission]?.includes(action))) flag(permission, action, 'instance-admin');
      }
    }
    const rank = (e: EffectivePermission) => PERMISSIONS.indexOf(e.permission) * 10 + ACTIONS.indexOf(e.action);
    return [...entries.values()].sort((a, b) => rank(a) - rank(b));
  }

  async explain(request: CheckRequest): Promise<Explanation> {
    const decision = await this.decisions.check(request);
    const where: Where = { scope: request.scope, tenantId: request.tenantId ?? null, namespace: request.namespace };
    const facts = await this.subjects.get(request.subject.id);
    const sources = facts ? (await this.loader.load(request.subject.id)).filter((s) => inScope(s, where)) : [];
    const granting = sources.filter((s) => s.permissions[request.permission]?.includes(request.action));
    const matches = (s: GrantSource) =>
      s.scope === 'INSTANCE' || !s.namespaces || !request.namespace || s.namespaces.some((ns) => covers(ns, request.namespace as string));
    return {
      ...decision,
      grants: decision.allowed ? granting.filter(matches).map(originOf) : [],
      nearMisses: granting.filter((s) => !matches(s)).map(originOf),
      subject: facts ? { id: facts.id, type: facts.type, superAdmin: facts.superAdmin, disabled: facts.disabled } : null,
      tenantLive: request.scope === 'TENANT' ? this.liveTenants.isLive(request.tenantId) : null,
    };
  }
}
