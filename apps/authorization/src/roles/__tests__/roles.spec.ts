import { Caller, PermissionGrid } from '@gatehouse/contracts';
import { AuditRecorder } from '@gatehouse/durable-events';
import { DataSource, EntityManager } from 'typeorm';
import { DecisionService } from '../../decisions/decision.service';
import { GrantLoader } from '../../decisions/grant-loader';
import { AccessGains } from '../../grants/access-gains';
import { AccessChange, GrantGuard } from '../../grants/grant-guard';
import { InvalidationBus } from '../../invalidation/invalidation-bus';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { LiveTenants } from '../../tenants/live-tenants';
import { roleAudit, toRoleView } from '../role.mapper';
import { RoleEntity } from '../role.entity';
import { gridMinus, RolesService, scopeOf } from '../roles.service';
import { problemOf } from '@gatehouse/testing';

const T = 'acme';
const admin: Caller = { type: 'USER', id: 'admin' };

const role = (over: Partial<RoleEntity> = {}): RoleEntity =>
  Object.assign(new RoleEntity(), {
    id: 'r1', scope: 'TENANT', tenantId: T, name: 'ops', description: null, permissions: { FLOW: ['READ'] }, managed: false,
    isDefault: false, createdAt: new Date('2026-01-01T00:00:00Z'), updatedAt: new Date('2026-01-02T00:00:00Z'), ...over,
  });

interface BindingOfRole {
  namespaces: string[] | null;
  subject_type: string;
  subject_id: string;
  recipients: string[];
}

/**
 * A RolesService over one stored role and its bindings, with the real scope rule and a guard that records
 * the changes it is asked to judge (and allows them).
 */
function rolesOver(stored: RoleEntity, bindings: BindingOfRole[] = [], live = true) {
  const changes: AccessChange[] = [];
  const saved: RoleEntity[] = [];
  const guard = new GrantGuard({} as DataSource, {} as DecisionService, {} as GrantLoader, {} as SubjectFactsService);
  jest.spyOn(guard, 'assertMayDefineRole').mockResolvedValue();
  jest.spyOn(guard, 'assertMayChange').mockImplementation(async (_caller, change) => {
    changes.push(change);
  });
  const queryBuilder = { where: () => queryBuilder, setLock: () => queryBuilder, getOne: async () => stored };
  const repository = {
    createQueryBuilder: () => queryBuilder,
    create: (values: Partial<RoleEntity>) => role({ id: 'new', ...values }),
    save: async (r: RoleEntity) => (saved.push(r), r),
  };
  const manager = { getRepository: () => repository, query: async () => [] } as unknown as EntityManager;
  const dataSource = { manager, transaction: (work: (m: EntityManager) => unknown) => work(manager) } as unknown as DataSource;
  const gains = { bindingsOfRole: async () => bindings } as unknown as AccessGains;
  const liveTenants = { isLive: () => live } as unknown as LiveTenants;
  const invalidation = { publish: async () => undefined } as unknown as InvalidationBus;
  const audit = { record: async () => undefined } as unknown as AuditRecorder;
  return { roles: new RolesService(dataSource, audit, invalidation, guard, liveTenants, gains), changes, saved, guard };
}

describe('roles: grids and views', () => {
  it('gridMinus keeps the pairs the base lacks', () => {
    const base: PermissionGrid = { FLOW: ['READ'], APP: ['READ'] };
    expect(gridMinus({ FLOW: ['READ', 'UPDATE'], APP: ['READ'], SECRET: ['READ'] }, base)).toEqual({ FLOW: ['UPDATE'], SECRET: ['READ'] });
    expect(gridMinus(base, base)).toEqual({});
    expect(gridMinus({}, base)).toEqual({});
    expect(gridMinus(base, {})).toEqual(base);
  });

  it('scopeOf: a tenant (null = default) or, without one, the instance', () => {
    expect(scopeOf(T)).toEqual({ scope: 'TENANT', tenantId: T });
    expect(scopeOf(null)).toEqual({ scope: 'TENANT', tenantId: null });
    expect(scopeOf(undefined)).toEqual({ scope: 'INSTANCE', tenantId: null });
  });

  it('maps a role to its view (ISO dates) and to its audited fields', () => {
    const r = role({ isDefault: true });
    expect(toRoleView(r)).toEqual({
      id: 'r1', tenantId: T, scope: 'TENANT', name: 'ops', description: null, permissions: { FLOW: ['READ'] }, managed: false,
      isDefault: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z',
    });
    expect(roleAudit(r)).toEqual({ name: 'ops', description: null, permissions: { FLOW: ['READ'] }, isDefault: true });
  });
});

describe('RolesService: what a role change gives', () => {
  it('an edit gives only the added pairs, to every binding on its namespaces (a group binding reaches future members)', async () => {
    const { roles, changes } = rolesOver(role(), [
      { namespaces: ['a.b'], subject_type: 'USER', subject_id: 'u1', recipients: ['u1'] },
      { namespaces: null, subject_type: 'GROUP', subject_id: 'g1', recipients: ['m1', 'm2'] },
    ]);
    await roles.update(admin, T, { id: 'r1', permissions: { FLOW: ['READ', 'UPDATE'] } });
    expect(changes).toEqual([
      {
        scope: 'TENANT', tenantId: T,
        gains: [
          { source: 'role "ops"', grid: { FLOW: ['UPDATE'] }, namespaces: ['a.b'], recipients: ['u1'], newcomers: false },
          { source: 'role "ops"', grid: { FLOW: ['UPDATE'] }, namespaces: null, recipients: ['m1', 'm2'], newcomers: true },
        ],
      },
    ]);
  });

  it('becoming the default gives the whole grid to future joiners; staying it, only what was added', async () => {
    const becoming = rolesOver(role());
    await becoming.roles.update(admin, T, { id: 'r1', isDefault: true });
    expect(becoming.changes[0].gains).toEqual([
      { source: 'the default role "ops"', grid: { FLOW: ['READ'] }, namespaces: null, recipients: [], newcomers: true },
    ]);
    const staying = rolesOver(role({ isDefault: true }));
    await staying.roles.update(admin, T, { id: 'r1', permissions: { FLOW: ['READ', 'DELETE'] } });
    expect(staying.changes[0].gains).toEqual([
      { source: 'the default role "ops"', grid: { FLOW: ['DELETE'] }, namespaces: null, recipients: [], newcomers: true },
    ]);
    const unchanged = rolesOver(role());
    await unchanged.roles.update(admin, T, { id: 'r1', description: 'who runs things' });
    expect(unchanged.changes[0].gains).toEqual([]);
  });

  it('refuses with 422 a tenant-level permission added to a role that has a namespace-limited binding', async () => {
    const { roles, saved } = rolesOver(role(), [{ namespaces: ['a'], subject_type: 'USER', subject_id: 'u1', recipients: ['u1'] }]);
    expect(await problemOf(roles.update(admin, T, { id: 'r1', permissions: { FLOW: ['READ'], AUDITLOG: ['READ'] } }))).toMatchObject({
      status: 422, rule: 'tenant-level-permission-in-namespaced-binding', permissions: ['AUDITLOG'],
    });
    expect(saved).toEqual([]);
  });

  it('a managed role keeps its name and grid (409); only isDefault may change', async () => {
    const managed = rolesOver(role({ name: 'Admin', managed: true }));
    expect(await problemOf(managed.roles.update(admin, T, { id: 'r1', permissions: { FLOW: ['READ'] } }))).toMatchObject({ status: 409 });
    expect(await problemOf(managed.roles.update(admin, T, { id: 'r1', name: 'Boss' }))).toMatchObject({ status: 409 });
    await managed.roles.update(admin, T, { id: 'r1', isDefault: true });
    expect(managed.saved.map((r) => r.isDefault)).toEqual([true]);
    expect(await problemOf(managed.roles.delete(admin, T, 'r1'))).toMatchObject({ status: 409 });
  });

  it('creation: none at instance level (403), none in a tenant that is not live (404); a default role is judged for every joiner', async () => {
    const { roles, changes, guard } = rolesOver(role());
    expect(await problemOf(roles.create(admin, undefined, { name: 'x', permissions: {} }))).toMatchObject({ status: 403, rule: 'managed-role' });
    expect(await problemOf(rolesOver(role(), [], false).roles.create(admin, T, { name: 'x', permissions: {} }))).toMatchObject({ status: 404 });
    const view = await roles.create(admin, T, { name: ' joiners ', permissions: { FLOW: ['UPDATE', 'READ'] }, isDefault: true });
    expect(view).toMatchObject({ name: 'joiners', permissions: { FLOW: ['READ', 'UPDATE'] }, isDefault: true, managed: false });
    expect(guard.assertMayDefineRole).toHaveBeenCalledWith(admin, T, { FLOW: ['READ', 'UPDATE'] });
    expect(changes).toEqual([
      {
        scope: 'TENANT', tenantId: T,
        gains: [{ source: 'the default role "joiners"', grid: { FLOW: ['READ', 'UPDATE'] }, namespaces: null, recipients: [], newcomers: true }],
      },
    ]);
  });
});
