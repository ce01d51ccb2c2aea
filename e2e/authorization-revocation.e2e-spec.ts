import { api, bearer, bindRole, createGroup, createRole, createTenant, createUser, eventually, superAdminToken, testDb, TestUser } from '@gatehouse/testing';
import { RoleView } from '@gatehouse/contracts';

/**
 * A revoked permission is denied on the very next request through the gateway, with two authorization
 * instances (the e2e system runs two) and the gateway's decision cache warm.
 */
describe('authorization revocation is immediate', () => {
  let root: string;
  let tenant: string;
  let roleReader: RoleView;

  beforeAll(async () => {
    root = await superAdminToken();
    tenant = (await createTenant(root)).id;
    roleReader = await createRole(root, tenant, { name: 'role-reader', permissions: { ROLE: ['READ'] } });
  }, 60_000);

  /** Several requests, so both authorization instances and the gateway cache hold the grant. */
  async function warm(user: TestUser): Promise<void> {
    for (let i = 0; i < 6; i++) await api().get(`/api/v1/${tenant}/roles`).set(...bearer(user.token)).expect(200);
  }
  const next = (user: TestUser) => api().get(`/api/v1/${tenant}/roles`).set(...bearer(user.token));

  it('deleting a binding', async () => {
    const user = await createUser(root);
    const binding = await bindRole(root, tenant, { roleId: roleReader.id, subjectId: user.user.id });
    await warm(user);
    await api().delete(`/api/v1/${tenant}/bindings/${binding.id}`).set(...bearer(root)).expect(204);
    await next(user).expect(403);
  });

  it('removing a group member', async () => {
    const user = await createUser(root);
    const group = await createGroup(root, tenant, 'readers-1', [user.user.id]);
    await bindRole(root, tenant, { roleId: roleReader.id, subjectType: 'GROUP', subjectId: group.id });
    await warm(user);
    await api().delete(`/api/v1/${tenant}/groups/${group.id}/members/${user.user.id}`).set(...bearer(root)).expect(204);
    await next(user).expect(403);
  });

  it('deleting a group (the user stays, the group bindings go)', async () => {
    const user = await createUser(root);
    const group = await createGroup(root, tenant, 'readers-2', [user.user.id]);
    const binding = await bindRole(root, tenant, { roleId: roleReader.id, subjectType: 'GROUP', subjectId: group.id });
    await warm(user);
    await api().delete(`/api/v1/${tenant}/groups/${group.id}`).set(...bearer(root)).expect(204);
    await next(user).expect(403);
    await api().get(`/api/v1/${tenant}/bindings/${binding.id}`).set(...bearer(root)).expect(404);
    await api().get(`/api/v1/users/${user.user.id}`).set(...bearer(root)).expect(200);
  });

  it('changing a role\u2019s grid', async () => {
    const user = await createUser(root);
    const role = await createRole(root, tenant, { name: 'changing', permissions: { ROLE: ['READ'], GROUP: ['READ'] } });
    await bindRole(root, tenant, { roleId: role.id, subjectId: user.user.id });
    await warm(user);
    await api().patch(`/api/v1/${tenant}/roles/${role.id}`).set(...bearer(root)).send({ permissions: { GROUP: ['READ'] } }).expect(200);
    await next(user).expect(403);
    await api().get(`/api/v1/${tenant}/groups`).set(...bearer(user.token)).expect(200);
  });

  it('deleting a role', async () => {
    const user = await createUser(root);
    const role = await createRole(root, tenant, { name: 'doomed', permissions: { ROLE: ['READ'] } });
    await bindRole(root, tenant, { roleId: role.id, subjectId: user.user.id });
    await warm(user);
    await api().delete(`/api/v1/${tenant}/roles/${role.id}`).set(...bearer(root)).expect(204);
    await next(user).expect(403);
  });

  // The flag lives in identity, which hands the new facts to authorization before answering (the durable
  // subject-changed event stays the path that never loses a change).
  it('revoking Super Admin', async () => {
    const user = await createUser(root, { superAdmin: true });
    const groups = () => api().get(`/api/v1/${tenant}/groups`).set(...bearer(user.token));
    for (let i = 0; i < 6; i++) await groups().expect(200);
    await api().patch(`/api/v1/users/${user.user.id}`).set(...bearer(root)).send({ superAdmin: false }).expect(200);
    await groups().expect(403);
  });

  it('deleting a tenant denies every check there and removes its roles, groups, bindings and invitations', async () => {
    const owner = await createUser(root);
    const doomed = (await createTenant(root, { adminUser: owner.username })).id;
    const group = await createGroup(owner.token, doomed, 'g', [owner.user.id]);
    await api().post(`/api/v1/${doomed}/invitations`).set(...bearer(owner.token)).send({ email: 'someone@gatehouse.test' }).expect(201);
    for (let i = 0; i < 4; i++) await api().get(`/api/v1/${doomed}/groups`).set(...bearer(owner.token)).expect(200);
    await api().delete(`/api/v1/tenants/${doomed}`).set(...bearer(root)).expect(204);
    await eventually(async () => (await api().get(`/api/v1/${doomed}/groups`).set(...bearer(owner.token))).status === 404, 5000);
    const db = await testDb();
    try {
      const left = await eventually(async () => {
        const { rows } = await db.query(
          `SELECT (SELECT count(*) FROM "authorization".roles WHERE tenant_id = $1)::int
                + (SELECT count(*) FROM "authorization".groups WHERE tenant_id = $1)::int
                + (SELECT count(*) FROM "authorization".bindings WHERE tenant_id = $1)::int
                + (SELECT count(*) FROM "authorization".invitations WHERE tenant_id = $1)::int AS n`,
          [doomed],
        );
        return rows[0].n === 0 ? 'empty' : null;
      }, 5000);
      expect(left).toBe('empty');
      const members = await db.query(`SELECT 1 FROM "authorization".group_members WHERE group_id = $1`, [group.id]);
      expect(members.rowCount).toBe(0);
    } finally {
      await db.end();
    }
    await api().get(`/api/v1/users/${owner.user.id}`).set(...bearer(root)).expect(200);
  });
});
