import { Caller, PermissionGrid } from '@gatehouse/contracts';
import { AuditRecorder } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { DataSource, EntityManager } from 'typeorm';
import { DecisionService } from '../../decisions/decision.service';
import { GrantLoader } from '../../decisions/grant-loader';
import { AccessGains } from '../../grants/access-gains';
import { AccessChange, GrantGuard } from '../../grants/grant-guard';
import { InvalidationBus } from '../../invalidation/invalidation-bus';
import { RoleEntity } from '../../roles/role.entity';
import { RolesService } from '../../roles/roles.service';
import { SubjectDirectory } from '../../subjects/subject-directory';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { LiveTenants } from '../../tenants/live-tenants';
import { TenantJoin } from '../../tenants/tenant-join';
import { BindingsService } from '../bindings.service';
import { problemOf } from '@gatehouse/testing';

const T = 'acme';
const admin: Caller = { type: 'USER', id: 'admin' };
const VIEWER: PermissionGrid = { FLOW: ['READ'] };
const JOINERS: PermissionGrid = { APP: ['READ'] };
const U1 = '00000000-0000-4000-8000-000000000001';

/**
 * A BindingsService over a tenant with the roles `viewer` and `admin`, the group `g1` (members m1, m2) and a
 * default role `Joiner`; the real AccessGains and scope rule. The guard records what it judges; inserts and
 * welcomes (default role bound to a newcomer) are recorded; `duplicate` makes the insert a unique violation.
 */
function bindingsOver(options: { newcomer?: boolean; duplicate?: boolean } = {}) {
  const judged: AccessChange[] = [];
  const log: string[] = [];
  const roles = new Map([
    ['viewer', Object.assign(new RoleEntity(), { id: 'viewer', name: 'Viewer', permissions: VIEWER, isDefault: false })],
    ['admin', Object.assign(new RoleEntity(), { id: 'admin', name: 'Admin', permissions: { AUDITLOG: ['READ'] }, isDefault: false })],
  ]);
  let inserted: unknown[] = [];
  const manager = {
    query: async (sql: string, params: unknown[] = []) => {
      if (/^(SAVEPOINT|RELEASE|ROLLBACK)/.test(sql)) return (log.push(sql.split(' ')[0]), []);
      if (sql.includes('INSERT INTO "authorization".bindings')) {
        if (options.duplicate) throw Object.assign(new Error('duplicate'), { code: '23505' });
        inserted = params;
        return [{ id: 'b1' }];
      }
      if (sql.includes('WHERE b.id = $1')) {
        const [scope, tenantId, roleId, subjectType, subjectId, namespaces] = inserted;
        return [{ id: 'b1', scope, tenant_id: tenantId, role_id: roleId, role_name: roles.get(roleId as string)?.name, subject_type: subjectType, subject_id: subjectId, namespaces, created_at: new Date(0) }];
      }
      if (sql.includes('FROM "authorization".group_members WHERE group_id')) return [{ id: 'm1' }, { id: 'm2' }];
      if (sql.includes('is_default')) return [{ name: 'Joiner', permissions: JOINERS }];
      throw new Error(`unexpected query ${sql}`);
    },
  } as unknown as EntityManager;
  const dataSource = { manager, transaction: (work: (m: EntityManager) => unknown) => work(manager) } as unknown as DataSource;
  const guard = new GrantGuard({} as DataSource, {} as DecisionService, {} as GrantLoader, {} as SubjectFactsService);
  jest.spyOn(guard, 'assertMayChange').mockImplementation(async (_caller, change) => void judged.push(change));
  const rolesService = {
    find: async (_m: EntityManager, _t: string | null | undefined, id: string) => {
      const role = roles.get(id);
      if (!role) throw ProblemException.notFound(`Role ${id} does not exist`);
      return role;
    },
  } as unknown as RolesService;
  const join = {
    isNewcomer: async (_m: EntityManager, _t: string | null, s: { type: string }) => s.type === 'USER' && (options.newcomer ?? false),
    welcome: async (_m: EntityManager, _c: Caller, _t: string | null, id: string) => void log.push(`welcome ${id}`),
  } as unknown as TenantJoin;
  const service = new BindingsService(
    dataSource, { record: async () => undefined } as unknown as AuditRecorder, { publish: async (ids: string[]) => void log.push(`invalidate ${ids}`) } as unknown as InvalidationBus,
    guard, new AccessGains(), rolesService, { assertExists: async () => undefined } as unknown as SubjectDirectory, join,
    { isLive: (t: string | null) => t === T } as unknown as LiveTenants,
  );
  return { service, judged, log };
}

describe('BindingsService: what a binding gives', () => {
  it('binds a role on normalised namespaces, judged for the subject with BINDING:CREATE', async () => {
    const { service, judged, log } = bindingsOver();
    const view = await service.create(admin, T, { roleId: 'viewer', subjectType: 'USER', subjectId: U1, namespaces: ['a.b.c', 'a.b'] });
    expect(view).toMatchObject({ roleName: 'Viewer', subjectId: U1, namespaces: ['a.b'], scope: 'TENANT', tenantId: T });
    expect(judged).toEqual([
      {
        scope: 'TENANT', tenantId: T, requires: [['BINDING', 'CREATE']],
        gains: [{ source: 'role "Viewer"', grid: VIEWER, namespaces: ['a.b'], recipients: [U1], newcomers: false }],
      },
    ]);
    expect(log).toEqual(['SAVEPOINT', 'RELEASE', `invalidate ${U1}`]);
  });

  it('a group binding reaches its members and its future members; a newcomer also gets the default role', async () => {
    const group = bindingsOver();
    await group.service.create(admin, T, { roleId: 'viewer', subjectType: 'GROUP', subjectId: 'g1' });
    expect(group.judged[0].gains).toEqual([{ source: 'role "Viewer"', grid: VIEWER, namespaces: null, recipients: ['m1', 'm2'], newcomers: true }]);
    expect(group.log).toContain('invalidate m1,m2');
    const newcomer = bindingsOver({ newcomer: true });
    await newcomer.service.create(admin, T, { roleId: 'viewer', subjectType: 'USER', subjectId: U1 });
    expect(newcomer.judged[0].gains).toEqual([
      { source: 'role "Viewer"', grid: VIEWER, namespaces: null, recipients: [U1], newcomers: false },
      { source: 'the default role "Joiner"', grid: JOINERS, namespaces: null, recipients: [U1], newcomers: false },
    ]);
    expect(newcomer.log).toContain(`welcome ${U1}`);
  });

  it('refuses: a tenant that is not live (404), the scope rule (422), a duplicate (409), instance-level groups or namespaces (400)', async () => {
    const { service } = bindingsOver();
    expect(await problemOf(service.create(admin, 'gone', { roleId: 'viewer', subjectType: 'USER', subjectId: U1 }))).toMatchObject({ status: 404 });
    expect(await problemOf(service.create(admin, T, { roleId: 'admin', subjectType: 'USER', subjectId: U1, namespaces: ['a'] }))).toMatchObject({
      status: 422, rule: 'tenant-level-permission-in-namespaced-binding',
    });
    const duplicate = bindingsOver({ duplicate: true });
    expect(await problemOf(duplicate.service.create(admin, T, { roleId: 'viewer', subjectType: 'USER', subjectId: U1 }))).toMatchObject({ status: 409 });
    expect(duplicate.log).toEqual(['SAVEPOINT', 'ROLLBACK']);
    expect(await problemOf(service.create(admin, undefined, { roleId: 'viewer', subjectType: 'GROUP', subjectId: 'g1' }))).toMatchObject({
      status: 400, errors: [{ field: 'subjectType', message: expect.any(String) }],
    });
    expect(await problemOf(service.create(admin, undefined, { roleId: 'viewer', subjectType: 'USER', subjectId: U1, namespaces: ['a'] }))).toMatchObject({
      status: 400, errors: [{ field: 'namespaces', message: expect.any(String) }],
    });
  });

  it('bulk: all or nothing, naming the index of the refused binding', async () => {
    const { service, log } = bindingsOver();
    const problem = await problemOf(
      service.createMany(admin, undefined, {
        bindings: [
          { roleId: 'viewer', subjectType: 'USER', subjectId: U1 },
          { roleId: 'viewer', subjectType: 'GROUP', subjectId: 'g1' },
        ],
      }),
    );
    expect(problem).toMatchObject({ status: 400, errors: [{ field: 'bindings[1].subjectType' }] });
    expect(problem.detail).toMatch(/^bindings\[1\]: /);
    expect(log.filter((l) => l.startsWith('invalidate'))).toEqual([]);
  });
});
