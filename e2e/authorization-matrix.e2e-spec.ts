import { ACTIONS, GOVERNANCE_PERMISSIONS, isNamespaced, Permission, PERMISSIONS, PermissionGrid, TENANT_PERMISSIONS } from '@gatehouse/contracts';
import {
  api, bearer, bindInstanceRole, bindRole, checkSelf, createTenant, createUser, rolesByName, SelfCheck, superAdminToken, TestUser,
} from '@gatehouse/testing';

/**
 * The decision matrix through the gateway: each managed role x every permission x action x namespace
 * (inside, child, sibling prefix, outside) x own / foreign tenant, for a binding limited to `a.b` and a
 * tenant-wide one, each compared with the answer the role's documented grid implies.
 */
const MANAGED = ['Admin', 'Developer', 'Editor', 'Launcher', 'Viewer'] as const;
/** The managed roles made of namespace-level permissions only: the ones a binding may limit to namespaces (scope rule). */
const NAMESPACE_LEVEL = ['Editor', 'Launcher', 'Viewer'] as const;
const NAMESPACES = { inside: 'a.b', child: 'a.b.c', siblingPrefix: 'a.bc', outside: 'z.y' } as const;
type Where = keyof typeof NAMESPACES;

const allChecks: Array<SelfCheck & { where: Where }> = PERMISSIONS.flatMap((permission) =>
  ACTIONS.flatMap((action) => (Object.keys(NAMESPACES) as Where[]).map((where) => ({ permission, action, namespace: NAMESPACES[where], where }))),
);
const request = allChecks.map(({ permission, action, namespace }) => ({ permission, action, namespace }));
const isTenantPermission = (p: string) => (TENANT_PERMISSIONS as readonly string[]).includes(p);

describe('authorization decision matrix through the gateway', () => {
  let root: string;
  let own: string;
  let foreign: string;
  let grids: Record<string, PermissionGrid>;
  const namespaced: Record<string, TestUser> = {};
  const tenantWide: Record<string, TestUser> = {};

  beforeAll(async () => {
    root = await superAdminToken();
    own = (await createTenant(root)).id;
    foreign = (await createTenant(root)).id;
    const roles = await rolesByName(root, own);
    grids = Object.fromEntries(MANAGED.map((name) => [name, roles[name].permissions]));
    for (const name of MANAGED) {
      tenantWide[name] = await createUser(root);
      await bindRole(root, own, { roleId: roles[name].id, subjectId: tenantWide[name].user.id });
    }
    for (const name of NAMESPACE_LEVEL) {
      namespaced[name] = await createUser(root);
      await bindRole(root, own, { roleId: roles[name].id, subjectId: namespaced[name].user.id, namespaces: ['a.b'] });
    }
  }, 120_000);

  const expected = (role: string, permission: string, action: string, where: Where, scoped: boolean, inOwnTenant: boolean) =>
    inOwnTenant &&
    isTenantPermission(permission) &&
    !!grids[role][permission as Permission]?.includes(action as (typeof ACTIONS)[number]) &&
    (!scoped || where === 'inside' || where === 'child');

  it.each(['Admin', 'Developer'])('%s carries tenant-level permissions: a binding limited to namespaces is refused (422), even for a Super Admin', async (role) => {
    const roles = await rolesByName(root, own);
    const someone = await createUser(root);
    const refused = await api().post(`/api/v1/${own}/bindings`).set(...bearer(root))
      .send({ roleId: roles[role].id, subjectType: 'USER', subjectId: someone.user.id, namespaces: ['a.b'] }).expect(422);
    expect(refused.body).toMatchObject({ rule: 'tenant-level-permission-in-namespaced-binding' });
    expect(refused.body.permissions).toEqual(PERMISSIONS.filter((p) => grids[role][p]?.length && !isNamespaced(p)));
  });

  it.each(NAMESPACE_LEVEL)('%s limited to namespace a.b: every permission x action x namespace, own and foreign tenant', async (role) => {
    for (const [tenant, inOwn] of [[own, true], [foreign, false]] as const) {
      const decisions = await checkSelf(namespaced[role].token, tenant, request);
      const wrong = allChecks.filter((c, i) => decisions[i].allowed !== expected(role, c.permission, c.action, c.where, true, inOwn));
      expect(wrong.map((c) => `${tenant} ${c.permission}:${c.action}@${c.namespace}`)).toEqual([]);
    }
  });

  it.each(MANAGED)('%s tenant-wide: every permission x action x namespace, own and foreign tenant', async (role) => {
    for (const [tenant, inOwn] of [[own, true], [foreign, false]] as const) {
      const decisions = await checkSelf(tenantWide[role].token, tenant, request);
      const wrong = allChecks.filter((c, i) => decisions[i].allowed !== expected(role, c.permission, c.action, c.where, false, inOwn));
      expect(wrong.map((c) => `${tenant} ${c.permission}:${c.action}@${c.namespace}`)).toEqual([]);
    }
  });

  it('the managed grids are the documented ones (Admin = every tenant permission, never TENANT or WORKER)', () => {
    expect(Object.keys(grids.Admin).sort()).toEqual([...TENANT_PERMISSIONS].sort());
    for (const name of MANAGED) expect(grids[name].TENANT ?? grids[name].WORKER).toBeUndefined();
    expect(grids.Viewer).toEqual({ FLOW: ['READ'], EXECUTION: ['READ'], TEMPLATE: ['READ'], NAMESPACE: ['READ'], DASHBOARD: ['READ'], APP: ['READ'] });
  });

  it('Instance Admin governs users, groups, roles and service accounts in every tenant, never bindings or data', async () => {
    const instanceAdmin = await createUser(root);
    await bindInstanceRole(root, 'Instance Admin', instanceAdmin.user.id);
    const governed = new Set(['USER', 'GROUP', 'ROLE', 'SERVICE_ACCOUNT']);
    for (const tenant of [own, foreign]) {
      const decisions = await checkSelf(instanceAdmin.token, tenant, request);
      const wrong = allChecks.filter((c, i) => decisions[i].allowed !== governed.has(c.permission));
      expect(wrong.map((c) => `${tenant} ${c.permission}:${c.action}@${c.namespace}`)).toEqual([]);
    }
    const instance = await api().post('/api/v1/acls/check').set(...bearer(instanceAdmin.token)).send({
      checks: [{ permission: 'TENANT', action: 'CREATE' }, { permission: 'WORKER', action: 'READ' }],
    }).expect(200);
    expect(instance.body.map((d: { allowed: boolean }) => d.allowed)).toEqual([true, true]);
    // Through real routes: it reads a foreign tenant's roles, but not its bindings.
    await api().get(`/api/v1/${own}/roles`).set(...bearer(instanceAdmin.token)).expect(200);
    const bindings = await api().get(`/api/v1/${own}/bindings`).set(...bearer(instanceAdmin.token)).expect(403);
    expect(bindings.body).toMatchObject({ permission: 'BINDING', action: 'READ' });
  });

  it('a Super Admin governs access everywhere without a binding, and reads no tenant data', async () => {
    const someoneElse = await createUser(root);
    const notMine = (await createTenant(root, { adminUser: someoneElse.username })).id;
    const decisions = await checkSelf(root, notMine, request);
    const governance = (p: string) => GOVERNANCE_PERMISSIONS.includes(p as Permission) && isTenantPermission(p);
    const wrong = allChecks.filter((c, i) => decisions[i].allowed !== governance(c.permission));
    expect(wrong.map((c) => `${c.permission}:${c.action}@${c.namespace}`)).toEqual([]);
  });

  it('the IAM routes follow the same decisions (own vs foreign tenant, Admin vs Viewer)', async () => {
    const admin = tenantWide.Admin.token;
    const viewer = tenantWide.Viewer.token;
    await api().get(`/api/v1/${own}/roles`).set(...bearer(admin)).expect(200);
    await api().get(`/api/v1/${own}/groups`).set(...bearer(admin)).expect(200);
    await api().get(`/api/v1/${own}/bindings`).set(...bearer(admin)).expect(200);
    const denied = await api().get(`/api/v1/${own}/roles`).set(...bearer(viewer)).expect(403);
    expect(denied.body).toMatchObject({ status: 403, permission: 'ROLE', action: 'READ' });
    await api().get(`/api/v1/${foreign}/roles`).set(...bearer(admin)).expect(403);
    await api().get(`/api/v1/${foreign}/bindings`).set(...bearer(admin)).expect(403);
  });

  it('a tenant that does not exist is a 404, even for a Super Admin', async () => {
    const missing = await api().get('/api/v1/no-such-tenant-here/roles').set(...bearer(root)).expect(404);
    expect(missing.body.detail).toContain('no-such-tenant-here');
    const decisions = await checkSelf(tenantWide.Admin.token, 'no-such-tenant-here', [{ permission: 'FLOW', action: 'READ' }]);
    expect(decisions[0]).toMatchObject({ allowed: false, reason: 'tenant-not-found' });
  });

  it('refuses a malformed check with 400 naming the field', async () => {
    const bad = await api().post(`/api/v1/${own}/acls/check`).set(...bearer(tenantWide.Admin.token))
      .send({ checks: [{ permission: 'NOPE', action: 'READ', namespace: 'bad..ns' }] }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['checks[0].permission', 'checks[0].namespace']));
  });
});
