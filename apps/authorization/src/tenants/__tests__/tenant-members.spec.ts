import { randomUUID } from 'node:crypto';
import { Caller } from '@gatehouse/contracts';
import { AuthorizationWorld, newTenantId, openAuthorization } from '../../__tests__/authorization-test-module';
import { TenantJoin } from '../tenant-join';
import { TENANT_SUBJECT_IDS_SQL, TenantMembers } from '../tenant-members';

/** Who is in a tenant, as the SQL of tenant-members.ts and tenant-join.ts reads and writes it (real Postgres). */
describe('TenantMembers and TenantJoin: the users of a tenant (real Postgres)', () => {
  let world: AuthorizationWorld;
  let members: TenantMembers;
  let join: TenantJoin;
  const sql = <T>(query: string, params: unknown[] = []) => world.db.dataSource.query(query, params) as Promise<T[]>;
  const adminRole = async (tenantId: string | null) =>
    (await sql<{ id: string }>(`SELECT id FROM "authorization".roles WHERE scope = 'TENANT' AND tenant_id IS NOT DISTINCT FROM $1 AND managed AND name = 'Admin'`, [tenantId]))[0].id;
  const instanceAdminRole = async () =>
    (await sql<{ id: string }>(`SELECT id FROM "authorization".roles WHERE scope = 'INSTANCE' AND managed AND name = 'Instance Admin'`))[0].id;
  const roleName = async (id: string) => (await sql<{ name: string }>(`SELECT name FROM "authorization".roles WHERE id = $1`, [id]))[0].name;
  const groupName = async (id: string) => (await sql<{ name: string }>(`SELECT name FROM "authorization".groups WHERE id = $1`, [id]))[0].name;

  beforeAll(async () => {
    world = await openAuthorization();
    members = world.get(TenantMembers);
    join = world.get(TenantJoin);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('hasAccess: a tenant binding or a group membership there; not an instance binding, not another tenant', async () => {
    const [acme, other] = [newTenantId(), newTenantId()];
    await world.seed.tenant(acme);
    await world.seed.tenant(other);
    const [bound, grouped, instanceOnly, outsider] = await Promise.all([1, 2, 3, 4].map(() => world.seed.subject()));
    const role = await world.seed.role(acme, { USER: ['READ'] });
    await world.seed.bind(role, bound, { tenantId: acme, namespaces: ['company.team'] });
    await world.seed.group(acme, [grouped]);
    await world.seed.bind(await instanceAdminRole(), instanceOnly, { tenantId: null, scope: 'INSTANCE' });
    await world.seed.bind(await world.seed.role(other, { USER: ['READ'] }), outsider, { tenantId: other });

    expect(await members.hasAccess(acme, bound)).toBe(true);
    expect(await members.hasAccess(acme, grouped)).toBe(true);
    expect(await members.hasAccess(acme, instanceOnly)).toBe(false);
    expect(await members.hasAccess(acme, outsider)).toBe(false);
    expect(await members.hasAccess(null, bound)).toBe(false);
    expect(await members.hasAccess(other, outsider)).toBe(true);
  });

  it('the default tenant (null) is matched as null, never as a tenant id', async () => {
    await world.seed.tenant(null);
    const user = await world.seed.subject();
    await world.seed.bind(await world.seed.role(null, { GROUP: ['READ'] }), user, { tenantId: null });
    expect(await members.hasAccess(null, user)).toBe(true);
    expect(await members.hasAccess(newTenantId(), user)).toBe(false);
  });

  it("TENANT_SUBJECT_IDS_SQL lists the tenant's users and service accounts, bound or grouped, and never a group", async () => {
    const acme = newTenantId();
    await world.seed.tenant(acme);
    const [both, grouped] = [await world.seed.subject(), await world.seed.subject()];
    const robot = await world.seed.subject({ type: 'SERVICE_ACCOUNT' });
    const role = await world.seed.role(acme, { USER: ['READ'] });
    const group = await world.seed.group(acme, [both, grouped]);
    await world.seed.bind(role, both, { tenantId: acme });
    await world.seed.bind(role, robot, { tenantId: acme, subjectType: 'SERVICE_ACCOUNT' });
    await world.seed.bind(role, group, { tenantId: acme, subjectType: 'GROUP' });

    const rows = await sql<{ subject_id: string }>(`SELECT DISTINCT subject_id FROM (${TENANT_SUBJECT_IDS_SQL}) s ORDER BY subject_id`, [acme]);
    expect(rows.map((r) => r.subject_id)).toEqual([both, grouped, robot].sort());
  });

  it("claims: the names of the subject's roles (direct and through its groups) and groups in that tenant only, sorted", async () => {
    const [acme, other] = [newTenantId(), newTenantId()];
    await world.seed.tenant(acme);
    await world.seed.tenant(other);
    const user = await world.seed.subject();
    const [direct, viaGroup, elsewhere] = [
      await world.seed.role(acme, { USER: ['READ'] }), await world.seed.role(acme, { GROUP: ['READ'] }), await world.seed.role(other, { ROLE: ['READ'] }),
    ];
    await world.seed.bind(direct, user, { tenantId: acme, namespaces: ['company'] });
    const group = await world.seed.group(acme, [user]);
    await world.seed.bind(viaGroup, group, { tenantId: acme, subjectType: 'GROUP' });
    await world.seed.bind(elsewhere, user, { tenantId: other });

    expect(await members.claims(acme, user)).toEqual({
      roles: [await roleName(direct), await roleName(viaGroup)].sort((a, b) => a.localeCompare(b)),
      groups: [await groupName(group)],
    });
    expect(await members.claims(other, user)).toEqual({ roles: [await roleName(elsewhere)], groups: [] });
    expect(await members.claims(newTenantId(), user)).toEqual({ roles: [], groups: [] });
  });

  it('mfaFacts: each tenant the user is in, Admin there (directly or through a group) or not, and Instance Admin', async () => {
    const [adminHere, adminViaGroup, plain, onlyGrouped] = [newTenantId(), newTenantId(), newTenantId(), newTenantId()];
    for (const t of [adminHere, adminViaGroup, plain, onlyGrouped]) await world.seed.tenant(t);
    const user = await world.seed.subject();
    await world.seed.bind(await adminRole(adminHere), user, { tenantId: adminHere });
    await world.seed.bind(await adminRole(adminViaGroup), await world.seed.group(adminViaGroup, [user]), { tenantId: adminViaGroup, subjectType: 'GROUP' });
    await world.seed.bind(await world.seed.role(plain, { USER: ['READ'] }), user, { tenantId: plain });
    await world.seed.group(onlyGrouped, [user]);

    const facts = await members.mfaFacts(user);
    expect(facts.instanceAdmin).toBe(false);
    expect(facts.tenants.sort((a, b) => String(a.tenantId).localeCompare(String(b.tenantId)))).toEqual([
      { tenantId: adminHere, admin: true }, { tenantId: adminViaGroup, admin: true }, { tenantId: plain, admin: false }, { tenantId: onlyGrouped, admin: false },
    ].sort((a, b) => a.tenantId.localeCompare(b.tenantId)));

    const operator = await world.seed.subject();
    await world.seed.bind(await instanceAdminRole(), operator, { tenantId: null, scope: 'INSTANCE' });
    expect(await members.mfaFacts(operator)).toEqual({ tenants: [], instanceAdmin: true });
    expect(await members.mfaFacts(randomUUID())).toEqual({ tenants: [], instanceAdmin: false });
  });

  it('adminUserIds: tenant-wide Admins, direct or through a group, not disabled, not namespaced, not service accounts', async () => {
    const acme = newTenantId();
    await world.seed.tenant(acme);
    const admin = await adminRole(acme);
    const [direct, grouped, disabled, namespaced] = [
      await world.seed.subject(), await world.seed.subject(), await world.seed.subject({ disabled: true }), await world.seed.subject(),
    ];
    const robot = await world.seed.subject({ type: 'SERVICE_ACCOUNT' });
    await world.seed.bind(admin, direct, { tenantId: acme });
    await world.seed.bind(admin, await world.seed.group(acme, [grouped]), { tenantId: acme, subjectType: 'GROUP' });
    await world.seed.bind(admin, disabled, { tenantId: acme });
    await world.seed.bind(admin, namespaced, { tenantId: acme, namespaces: ['company'] });
    await world.seed.bind(admin, robot, { tenantId: acme, subjectType: 'SERVICE_ACCOUNT' });
    await world.seed.bind(await world.seed.role(acme, { USER: ['READ'] }), await world.seed.subject(), { tenantId: acme });

    expect(await members.adminUserIds(acme)).toEqual([direct, grouped].sort());
    expect(await members.adminUserIds(newTenantId())).toEqual([]);
  });

  it('superAdminIds: active Super Admin users only', async () => {
    const active = await world.seed.subject({ superAdmin: true });
    const disabled = await world.seed.subject({ superAdmin: true, disabled: true });
    const robot = await world.seed.subject({ superAdmin: true, type: 'SERVICE_ACCOUNT' });
    const ids = await members.superAdminIds();
    expect(ids).toContain(active);
    expect(ids).not.toContain(disabled);
    expect(ids).not.toContain(robot);
    expect(ids).toEqual([...ids].sort());
  });

  describe('TenantJoin', () => {
    const caller: Caller = { type: 'USER', id: randomUUID() };
    const outbox = (resourceId: string) =>
      sql<{ envelope: { data: { type: string; resourceType: string; tenantId: string | null; after: unknown } } }>(
        `SELECT envelope FROM "authorization".outbox WHERE envelope->'data'->>'resourceId' = $1`, [resourceId],
      );
    const setDefault = (roleId: string) => sql(`UPDATE "authorization".roles SET is_default = true WHERE id = $1`, [roleId]);

    it('isNewcomer: a user with nothing in the tenant yet; a member, or a service account, is not', async () => {
      const acme = newTenantId();
      await world.seed.tenant(acme);
      const [fresh, member] = [await world.seed.subject(), await world.seed.subject()];
      await world.seed.group(acme, [member]);
      const manager = world.db.dataSource.manager;
      expect(await join.isNewcomer(manager, acme, { type: 'USER', id: fresh })).toBe(true);
      expect(await join.isNewcomer(manager, acme, { type: 'USER', id: member })).toBe(false);
      expect(await join.isNewcomer(manager, acme, { type: 'SERVICE_ACCOUNT', id: randomUUID() })).toBe(false);
    });

    it("welcome binds the tenant's default role tenant-wide and audits it in the same transaction; none without a default role", async () => {
      const [acme, bare] = [newTenantId(), newTenantId()];
      await world.seed.tenant(acme);
      await world.seed.tenant(bare);
      const role = await world.seed.role(acme, { USER: ['READ'] });
      await setDefault(role);
      const user = await world.seed.subject();

      const bindingId = await world.db.dataSource.transaction((manager) => join.welcome(manager, caller, acme, user));
      expect(bindingId).toEqual(expect.any(String));
      expect(await sql(`SELECT scope, tenant_id, role_id, subject_type, subject_id, namespaces FROM "authorization".bindings WHERE id = $1`, [bindingId])).toEqual([
        { scope: 'TENANT', tenant_id: acme, role_id: role, subject_type: 'USER', subject_id: user, namespaces: null },
      ]);
      expect((await outbox(String(bindingId))).map((r) => r.envelope.data)).toEqual([expect.objectContaining({
        type: 'CREATE', resourceType: 'BINDING', tenantId: acme, after: { roleId: role, subjectType: 'USER', subjectId: user, namespaces: null },
      })]);
      expect(await members.hasAccess(acme, user)).toBe(true);

      expect(await world.db.dataSource.transaction((manager) => join.welcome(manager, caller, bare, user))).toBeNull();
      expect(await members.hasAccess(bare, user)).toBe(false);
    });

    it('welcome rolled back with its transaction leaves neither the binding nor its audit entry', async () => {
      const acme = newTenantId();
      await world.seed.tenant(acme);
      await setDefault(await world.seed.role(acme, { USER: ['READ'] }));
      const user = await world.seed.subject();
      let bindingId: string | null = null;
      await expect(world.db.dataSource.transaction(async (manager) => {
        bindingId = await join.welcome(manager, caller, acme, user);
        throw new Error('a later step failed');
      })).rejects.toThrow('a later step failed');
      expect(bindingId).toEqual(expect.any(String));
      expect(await outbox(String(bindingId))).toEqual([]);
      expect(await members.hasAccess(acme, user)).toBe(false);
    });
  });
});
