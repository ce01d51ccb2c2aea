import { randomUUID } from 'node:crypto';
import { ACTIONS, EffectivePermission, IdentityRpc, PERMISSIONS, Scope, TENANT_PERMISSIONS } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuthorizationWorld, newTenantId, openAuthorization } from '../../__tests__/authorization-test-module';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { LiveTenants } from '../../tenants/live-tenants';
import { DecisionService } from '../decision.service';
import { EffectivePermissions, Where } from '../effective-permissions';

const ACME = 'acme';
const GLOBEX = 'globex';
const inAcme: Where = { scope: 'TENANT', tenantId: ACME };
const pairs = (list: EffectivePermission[]) => list.map((e) => `${e.permission}:${e.action}`);
const entry = (list: EffectivePermission[], pair: string) => list.find((e) => `${e.permission}:${e.action}` === pair);

describe('EffectivePermissions: what a subject may do and why (real Postgres)', () => {
  let world: AuthorizationWorld;
  let effective: EffectivePermissions;

  beforeAll(async () => {
    world = await openAuthorization();
    effective = world.get(EffectivePermissions);
    await world.seed.tenant(ACME);
    await world.seed.tenant(GLOBEX);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('a direct tenant-wide binding gives its role grid everywhere in the tenant, with the binding as origin', async () => {
    const user = await world.seed.subject();
    const role = await world.seed.role(ACME, { AUDITLOG: ['READ'], FLOW: ['UPDATE', 'READ'] });
    const binding = await world.seed.bind(role, user, { tenantId: ACME });
    const list = await effective.compute(user, inAcme);
    expect(pairs(list)).toEqual(['FLOW:READ', 'FLOW:UPDATE', 'AUDITLOG:READ']);
    expect(entry(list, 'FLOW:READ')).toEqual({
      permission: 'FLOW', action: 'READ', namespaces: null, via: ['binding'],
      origins: [{ bindingId: binding, roleId: role, roleName: expect.any(String), groupId: null, groupName: null, scope: 'TENANT', namespaces: null }],
    });
  });

  it("a group's binding reaches its members only; held directly and through a group, both are origins", async () => {
    const [member, outsider] = [await world.seed.subject(), await world.seed.subject()];
    const group = await world.seed.group(ACME, [member]);
    const launch = await world.seed.role(ACME, { EXECUTION: ['CREATE'] });
    await world.seed.bind(launch, group, { tenantId: ACME, subjectType: 'GROUP' });
    await world.seed.bind(launch, member, { tenantId: ACME });
    const list = await effective.compute(member, inAcme);
    expect(pairs(list)).toEqual(['EXECUTION:CREATE']);
    expect(list[0].via).toEqual(['binding', 'group']);
    expect(list[0].origins.map((o) => o.groupId)).toEqual(expect.arrayContaining([null, group]));
    expect(await effective.compute(outsider, inAcme)).toEqual([]);
  });

  it('namespaced bindings give their namespaces (merged); a tenant-wide binding of the same pair makes it everywhere', async () => {
    const user = await world.seed.subject();
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['READ'], SECRET: ['READ'] }), user, { tenantId: ACME, namespaces: ['a.b'] });
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['READ'] }), user, { tenantId: ACME, namespaces: ['c'] });
    let list = await effective.compute(user, inAcme);
    expect(entry(list, 'FLOW:READ')?.namespaces?.sort()).toEqual(['a.b', 'c']);
    expect(entry(list, 'SECRET:READ')?.namespaces).toEqual(['a.b']);
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['READ'] }), user, { tenantId: ACME });
    list = await effective.compute(user, inAcme);
    expect(entry(list, 'FLOW:READ')?.namespaces).toBeNull();
    expect(entry(list, 'SECRET:READ')?.namespaces).toEqual(['a.b']);
  });

  it('at a namespace: the bindings covering it (dot boundary) and the tenant-wide ones', async () => {
    const user = await world.seed.subject();
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['READ'] }), user, { tenantId: ACME, namespaces: ['a.b'] });
    await world.seed.bind(await world.seed.role(ACME, { DASHBOARD: ['READ'] }), user, { tenantId: ACME });
    expect(pairs(await effective.compute(user, { ...inAcme, namespace: 'a.b.c' }))).toEqual(['FLOW:READ', 'DASHBOARD:READ']);
    expect(pairs(await effective.compute(user, { ...inAcme, namespace: 'a.b' }))).toEqual(['FLOW:READ', 'DASHBOARD:READ']);
    expect(pairs(await effective.compute(user, { ...inAcme, namespace: 'a.bc' }))).toEqual(['DASHBOARD:READ']);
  });

  it('a tenant-level permission comes only through a tenant-wide binding, never through a namespaced one (scope rule)', async () => {
    const [limited, wide] = [await world.seed.subject(), await world.seed.subject()];
    const role = await world.seed.role(ACME, { FLOW: ['READ'], AUDITLOG: ['READ'], USER: ['READ'] });
    await world.seed.bind(role, limited, { tenantId: ACME, namespaces: ['a'] });
    const group = await world.seed.group(ACME, [limited]);
    await world.seed.bind(role, group, { tenantId: ACME, subjectType: 'GROUP', namespaces: ['b'] });
    await world.seed.bind(role, wide, { tenantId: ACME });
    expect(pairs(await effective.compute(limited, inAcme))).toEqual(['FLOW:READ']);
    expect(pairs(await effective.compute(limited, { ...inAcme, namespace: 'a' }))).toEqual(['FLOW:READ']);
    expect(pairs(await effective.compute(wide, inAcme))).toEqual(['FLOW:READ', 'AUDITLOG:READ', 'USER:READ']);
  });

  it("tenants are isolated: one tenant's bindings and groups give nothing in another, nor in the default tenant or at instance level", async () => {
    const user = await world.seed.subject();
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['READ'] }), user, { tenantId: ACME });
    const group = await world.seed.group(ACME, [user]);
    await world.seed.bind(await world.seed.role(ACME, { APP: ['READ'] }), group, { tenantId: ACME, subjectType: 'GROUP' });
    await world.seed.bind(await world.seed.role(GLOBEX, { SECRET: ['DELETE'] }), user, { tenantId: GLOBEX });
    expect(pairs(await effective.compute(user, inAcme))).toEqual(['FLOW:READ', 'APP:READ']);
    expect(pairs(await effective.compute(user, { scope: 'TENANT', tenantId: GLOBEX }))).toEqual(['SECRET:DELETE']);
    expect(await effective.compute(user, { scope: 'TENANT', tenantId: null })).toEqual([]);
    expect(await effective.compute(user, { scope: 'INSTANCE', tenantId: undefined })).toEqual([]);
  });

  it('a tenant that is not live (retired, not yet purged) gives nothing, whatever bindings remain', async () => {
    const tenant = newTenantId();
    await world.seed.tenant(tenant);
    const user = await world.seed.subject();
    await world.seed.bind(await world.seed.role(tenant, { FLOW: ['READ'] }), user, { tenantId: tenant });
    expect(pairs(await effective.compute(user, { scope: 'TENANT', tenantId: tenant }))).toEqual(['FLOW:READ']);
    await world.get(LiveTenants).retireNow(tenant);
    expect(await effective.compute(user, { scope: 'TENANT', tenantId: tenant })).toEqual([]);
  });

  it('a disabled or removed subject has nothing, and a cached decision for it is dropped at once', async () => {
    const user = await world.seed.subject({ version: 1 });
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['READ'] }), user, { tenantId: ACME });
    const check = () => world.get(DecisionService).check({ subject: { type: 'USER', id: user }, scope: 'TENANT', tenantId: ACME, permission: 'FLOW', action: 'READ' });
    expect(await check()).toMatchObject({ allowed: true });
    await world.get(SubjectFactsService).applyNow({ id: user, type: 'USER', superAdmin: false, disabled: true, version: 2 });
    expect(await effective.compute(user, inAcme)).toEqual([]);
    expect(await check()).toEqual({ allowed: false, reason: 'subject-disabled' });
  });

  it('a subject identity does not know has nothing (its bindings are leftovers)', async () => {
    const ghost = randomUUID();
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['READ'] }), ghost, { tenantId: ACME });
    world.rpc.on(IdentityRpc.subjectFacts, () => {
      throw ProblemException.notFound('no such subject');
    });
    expect(await effective.compute(ghost, inAcme)).toEqual([]);
  });

  it('Super Admin: every action on the governance permissions of the scope, no tenant data; at instance level also the audit trail', async () => {
    const admin = await world.seed.subject({ superAdmin: true });
    const inTenant = await effective.compute(admin, inAcme);
    expect([...new Set(inTenant.map((e) => e.permission))]).toEqual(['USER', 'GROUP', 'GROUP_MEMBERSHIP', 'ROLE', 'BINDING', 'SERVICE_ACCOUNT', 'INVITATION', 'TENANT_ACCESS']);
    expect(inTenant.every((e) => e.via.includes('super-admin') && e.namespaces === null)).toBe(true);
    expect(inTenant).toHaveLength(8 * ACTIONS.length);
    const atInstance = pairs(await effective.compute(admin, { scope: 'INSTANCE', tenantId: undefined }));
    expect(atInstance).toEqual(expect.arrayContaining(['TENANT:CREATE', 'TENANT:DELETE', 'AUDITLOG:READ']));
    expect(atInstance).not.toContain('AUDITLOG:DELETE');
  });

  it("Instance Admin: its instance binding governs users, groups, roles and service accounts in every tenant, never bindings or the tenant's data", async () => {
    const user = await world.seed.subject();
    const role = await world.seed.role(null, { TENANT: ['READ'], USER: ['READ', 'UPDATE'], BINDING: ['CREATE'], FLOW: ['READ'] }, 'INSTANCE');
    await world.seed.bind(role, user, { tenantId: null, scope: 'INSTANCE' });
    const inTenant = await effective.compute(user, { ...inAcme, namespace: 'a' });
    expect(pairs(inTenant)).toEqual(['USER:READ', 'USER:UPDATE']);
    expect(inTenant[0]).toMatchObject({ via: ['instance-admin'], namespaces: null });
    expect(pairs(await effective.compute(user, { scope: 'INSTANCE', tenantId: undefined }))).toEqual(['FLOW:READ', 'USER:READ', 'USER:UPDATE', 'BINDING:CREATE', 'TENANT:READ']);
  });

  it.each<[string, Where]>([
    ['in a tenant', inAcme],
    ['at a namespace', { ...inAcme, namespace: 'a.b' }],
    ['at instance level', { scope: 'INSTANCE', tenantId: undefined }],
  ])('lists exactly what decisions allow %s', async (_where, where) => {
    const user = await world.seed.subject({ superAdmin: true });
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['READ'], AUDITLOG: ['READ'] }), user, { tenantId: ACME, namespaces: ['a'] });
    await world.seed.bind(await world.seed.role(ACME, { SECRET: ['READ'], SETTING: ['UPDATE'] }), user, { tenantId: ACME });
    const group = await world.seed.group(ACME, [user]);
    await world.seed.bind(await world.seed.role(ACME, { APP: ['CREATE'] }), group, { tenantId: ACME, subjectType: 'GROUP', namespaces: ['a.b.c'] });
    await world.seed.bind(await world.seed.role(null, { WORKER: ['READ'], ROLE: ['READ'] }, 'INSTANCE'), user, { tenantId: null, scope: 'INSTANCE' });
    const listed = new Set(pairs(await effective.compute(user, where)));
    const universe = where.scope === 'TENANT' ? TENANT_PERMISSIONS : PERMISSIONS;
    const allowed: string[] = [];
    for (const permission of universe) {
      for (const action of ACTIONS) {
        const decision = await world.get(DecisionService).check({
          subject: { type: 'USER', id: user }, scope: where.scope as Scope, tenantId: where.tenantId, permission, action, ...(where.namespace ? { namespace: where.namespace } : {}),
        });
        if (decision.allowed) allowed.push(`${permission}:${action}`);
      }
    }
    expect([...listed].sort()).toEqual(allowed.sort());
  });

  it('list: filters on "PERMISSION:ACTION" whatever the case, pages, and sorts by permission either way', async () => {
    const user = await world.seed.subject();
    await world.seed.bind(await world.seed.role(ACME, { FLOW: ['CREATE', 'READ', 'DELETE'], EXECUTION: ['READ'], APP: ['READ'] }), user, { tenantId: ACME });
    const subject = { type: 'USER' as const, id: user };
    expect(pairs((await effective.list(subject, inAcme, { q: 'flow' })).results)).toEqual(['FLOW:CREATE', 'FLOW:READ', 'FLOW:DELETE']);
    expect(pairs((await effective.list(subject, inAcme, { q: ':read' })).results)).toEqual(['FLOW:READ', 'EXECUTION:READ', 'APP:READ']);
    const second = await effective.list(subject, inAcme, { size: 2, page: 2 });
    expect(second).toMatchObject({ total: 5, page: 2, size: 2 });
    expect(pairs(second.results)).toEqual(['FLOW:DELETE', 'EXECUTION:READ']);
    expect(pairs((await effective.list(subject, inAcme, { sort: 'permission:desc', size: 2 })).results)).toEqual(['APP:READ', 'EXECUTION:READ']);
  });
});
