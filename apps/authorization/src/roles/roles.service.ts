import { likePattern, nullSafeEquals } from '@gatehouse/database';
import { Caller, CreateRoleRequest, PermissionGrid, ListRolesRequest, Page, RoleView, Scope, UpdateRoleRequest } from '@gatehouse/contracts';
import { isUniqueViolation, ProblemException } from '@gatehouse/errors';
import { auditDiff, AuditRecorder } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { RoleEntity } from './role.entity';
import { subjectsOfRole } from '../common/affected-subjects';
import { pairsOf, validateGrid } from '../common/permission-grid';
import { pageOf } from '../common/sql';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { AccessGains } from '../grants/access-gains';
import { AccessGain, GrantGuard } from '../grants/grant-guard';
import { LiveTenants } from '../tenants/live-tenants';
import { roleAudit, toRoleView } from './role.mapper';

const SORTABLE = { name: 'r.name', createdAt: 'r.createdAt', updatedAt: 'r.updatedAt' };

/** The pairs of `grid` that `base` does not have. */
export function gridMinus(grid: PermissionGrid, base: PermissionGrid): PermissionGrid {
  const added: PermissionGrid = {};
  for (const [permission, action] of pairsOf(grid)) {
    if (!base[permission]?.includes(action)) added[permission] = [...(added[permission] ?? []), action];
  }
  return added;
}

/** Where a request addresses roles: a tenant's, or (tenantId undefined) the instance's. */
export const scopeOf = (tenantId: string | null | undefined): { scope: Scope; tenantId: string | null } =>
  tenantId === undefined ? { scope: 'INSTANCE', tenantId: null } : { scope: 'TENANT', tenantId };

/**
 * Roles of a tenant. Managed roles (Admin, Developer, Editor, Launcher, Viewer; Instance Admin at
 * instance level) are the same everywhere: they cannot be deleted, and only their `isDefault` flag
 * may change, so the documented templates stay true in every tenant. Custom roles are full CRUD.
 */
@Injectable()
export class RolesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly invalidation: InvalidationBus,
    private readonly guard: GrantGuard,
    private readonly liveTenants: LiveTenants,
    private readonly gains: AccessGains,
  ) {}

  async list(tenantId: string | null | undefined, query: ListRolesRequest): Promise<Page<RoleView>> {
    const where = scopeOf(tenantId);
    const page = pageOf(query, SORTABLE, 'name');
    const qb = this.dataSource
      .getRepository(RoleEntity)
      .createQueryBuilder('r')
      .where(`r.scope = :scope AND ${nullSafeEquals('r.tenantId', ':tenantId')}`, where);
    if (query.q) qb.andWhere(`(r.name ILIKE :q OR r.description ILIKE :q)`, { q: likePattern(query.q) });
    const [rows, total] = await qb.orderBy(SORTABLE[page.sortField as keyof typeof SORTABLE], page.sortDir).skip(page.offset).take(page.size).getManyAndCount();
    return { results: rows.map(toRoleView), total, page: page.page, size: page.size };
  }

  async get(tenantId: string | null | undefined, id: string): Promise<RoleView> {
    return toRoleView(await this.find(this.dataSource.manager, tenantId, id));
  }

  /** A role of this tenant (or instance); another tenant's role is not found. */
  async find(manager: EntityManager, tenantId: string | null | undefined, id: string, lock = false): Promise<RoleEntity> {
    const where = scopeOf(tenantId);
    const qb = manager
      .getRepository(RoleEntity)
      .createQueryBuilder('r')
      .where(`r.id = :id AND r.scope = :scope AND ${nullSafeEquals('r.tenantId', ':tenantId')}`, { id, ...where });
    if (lock) qb.setLock('pessimistic_write');
    const role = await qb.getOne();
    if (!role) throw ProblemException.notFound(`Role ${id} does not exist in this ${where.scope === 'TENANT' ? 'tenant' : 'instance'}`);
    return role;
  }

  async create(caller: Caller | null, tenantId: string | null | undefined, request: CreateRoleRequest): Promise<RoleView> {
    if (tenantId === undefined) throw ProblemException.forbidden('Instance-level roles are managed (Instance Admin) and cannot be created', { rule: 'managed-role' });
    if (!this.liveTenants.isLive(tenantId)) throw ProblemException.notFound('This tenant does not exist');
    const permissions = validateGrid(request.permissions, 'TENANT');
    await this.guard.assertMayDefineRole(caller, tenantId, permissions);
    if (request.isDefault) {
      // The default role is bound to everyone who joins the tenant from now on.
      const name = request.name.trim();
      await this.guard.assertMayChange(caller, {
        scope: 'TENANT', tenantId, gains: [{ source: `the default role "${name}"`, grid: permissions, namespaces: null, recipients: [], newcomers: true }],
      });
    }
    try {
      return await this.dataSource.transaction(async (manager) => {
        if (request.isDefault) await this.clearDefault(manager, tenantId);
        const repo = manager.getRepository(RoleEntity);
        const role = await repo.save(
          repo.create({
            scope: 'TENANT',
            tenantId,
            name: request.name.trim(),
            description: request.description ?? null,
            permissions,
            managed: false,
            isDefault: request.isDefault ?? false,
          }),
        );
        await this.audit.record(manager, caller, {
          tenantId, type: 'CREATE', resourceType: 'ROLE', resourceId: role.id, before: null, after: roleAudit(role),
        });
        return toRoleView(role);
      });
    } catch (error) {
      throw this.nameConflict(error, request.name);
    }
  }

  async update(caller: Caller | null, tenantId: string | null | undefined, request: UpdateRoleRequest): Promise<RoleView> {
    const permissions = request.permissions === undefined ? undefined : validateGrid(request.permissions, 'TENANT');
    if (permissions) await this.guard.assertMayDefineRole(caller, tenantId ?? null, permissions);
    try {
      const { view, affected } = await this.dataSource.transaction(async (manager) => {
        const role = await this.find(manager, tenantId, request.id, true);
        if (role.managed && (request.name !== undefined || request.description !== undefined || permissions !== undefined)) {
          throw ProblemException.conflict(`"${role.name}" is a managed role: its name, description and permissions cannot change (only isDefault); create a custom role instead`);
        }
        if (role.scope === 'INSTANCE' && request.isDefault) throw ProblemException.badRequest('Only a tenant role can be the default role');
        await this.assertMayWiden(manager, caller, role, permissions ?? role.permissions, request.isDefault ?? role.isDefault);
        const before = roleAudit(role);
        if (request.isDefault && !role.isDefault) await this.clearDefault(manager, role.tenantId);
        if (request.name !== undefined) role.name = request.name.trim();
        if (request.description !== undefined) role.description = request.description;
        if (permissions !== undefined) role.permissions = permissions;
        if (request.isDefault !== undefined) role.isDefault = request.isDefault;
        const saved = await manager.getRepository(RoleEntity).save(role);
        const diff = auditDiff(before, roleAudit(saved));
        await this.audit.record(manager, caller, { tenantId: role.tenantId, type: 'UPDATE', resourceType: 'ROLE', resourceId: role.id, ...diff });
        const changed = permissions !== undefined && JSON.stringify(before.permissions) !== JSON.stringify(saved.permissions);
        return { view: toRoleView(saved), affected: changed ? await subjectsOfRole(manager, role.id) : [] };
      });
      await this.invalidation.publish(affected);
      return view;
    } catch (error) {
      throw this.nameConflict(error, request.name ?? '');
    }
  }

  async delete(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<void> {
    const affected = await this.dataSource.transaction(async (manager) => {
      const role = await this.find(manager, tenantId, id, true);
      if (role.managed) throw ProblemException.conflict(`"${role.name}" is a managed role and cannot be deleted`);
      const subjects = await subjectsOfRole(manager, role.id);
      const [, bindings] = (await manager.query(`DELETE FROM "authorization".bindings WHERE role_id = $1`, [role.id])) as [unknown, number];
      await manager.getRepository(RoleEntity).delete({ id: role.id });
      await this.audit.record(manager, caller, {
        tenantId: role.tenantId, type: 'DELETE', resourceType: 'ROLE', resourceId: role.id, before: roleAudit(role), after: null,
        details: { bindingsRemoved: bindings },
      });
      return subjects;
    });
    await this.invalidation.publish(affected);
  }

  /**
   * A role edit reaches every holder of the role (its bindings' users, service accounts and group members,
   * on the bindings' namespaces) and, for the default role, everyone who joins the tenant later: what
   * they gain passes the grant guard, and the scope rule holds for its namespace-limited bindings.
   */
  private async assertMayWiden(manager: EntityManager, caller: Caller | null, role: RoleEntity, grid: PermissionGrid, isDefault: boolean): Promise<void> {
    const added = gridMinus(grid, role.permissions);
    const source = `role "${role.name}"`;
    const gains: AccessGain[] = [];
    if (pairsOf(added).length > 0) {
      for (const binding of await this.gains.bindingsOfRole(manager, role.id)) {
        this.guard.assertScopeRule(source, added, binding.namespaces);
        gains.push({ source, grid: added, namespaces: binding.namespaces, recipients: binding.recipients, newcomers: binding.subject_type === 'GROUP' });
      }
    }
    // Becoming the default gives the whole grid to future joiners; staying it gives them what was added.
    const toJoiners = isDefault && !role.isDefault ? grid : isDefault ? added : {};
    if (pairsOf(toJoiners).length > 0) {
      gains.push({ source: `the default role "${role.name}"`, grid: toJoiners, namespaces: null, recipients: [], newcomers: true });
    }
    await this.guard.assertMayChange(caller, { scope: role.scope, tenantId: role.tenantId, gains }, manager);
  }

  /** The tenant's default role, bound to users who join the tenant. */
  async defaultRole(manager: EntityManager, tenantId: string | null): Promise<RoleEntity | null> {
    return manager.getRepository(RoleEntity).findOne({ where: { scope: 'TENANT', tenantId: tenantId ?? IsNull(), isDefault: true } });
  }

  private async clearDefault(manager: EntityManager, tenantId: string | null): Promise<void> {
    await manager.query(
      `UPDATE "authorization".roles SET is_default = false, updated_at = now()
        WHERE scope = 'TENANT' AND ${nullSafeEquals('tenant_id', '$1')} AND is_default`,
      [tenantId],
    );
  }

  private nameConflict(error: unknown, name: string): unknown {
    return isUniqueViolation(error) ? ProblemException.conflict(`A role named "${name}" already exists in this tenant`) : error;
  }
}
