import { RoleView } from '@gatehouse/contracts';
import {
  api, bearer, bindRole, checkSelf, createGroup, createRole, createTenant, createUser, eventually, login, openLinkToken, rolesByName, superAdminToken,
  testDb, TestDbClient, TestUser, unique,
} from '@gatehouse/testing';

/** Catalogue, roles, groups, bindings, tenant access, invitations and effective permissions through the gateway. */
describe('authorization admin API', () => {
  let root: string;
  let tenant: string;
  let foreign: string;
  let admin: TestUser;
  let roles: Record<string, RoleView>;
  let db: TestDbClient;
  const T = () => `/api/v1/${tenant}`;

  beforeAll(async () => {
    root = await superAdminToken();
    admin = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    foreign = (await createTenant(root)).id;
    roles = await rolesByName(root, tenant);
    db = await testDb();
  }, 60_000);

  afterAll(async () => {
    await db?.end();
  });

  it('serves the catalogue and the role templates to any signed-in subject', async () => {
    const plain = await createUser(root);
    const catalogue = await api().get(`${T()}/acls/permissions`).set(...bearer(plain.token)).expect(200);
    expect(catalogue.body.actions).toEqual(['CREATE', 'READ', 'UPDATE', 'DELETE']);
    expect(catalogue.body.permissions).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'FLOW', level: 'TENANT' }), expect.objectContaining({ name: 'TENANT', level: 'INSTANCE' }),
    ]));
    const templates = await api().get(`${T()}/acls/templates`).set(...bearer(plain.token)).expect(200);
    expect(templates.body.map((t: { name: string }) => t.name)).toEqual(['Admin', 'Developer', 'Editor', 'Launcher', 'Viewer', 'Instance Admin']);
    await api().get(`${T()}/acls/permissions`).expect(401);
  });

  it('CRUD of custom roles with pagination, validation and tenant isolation', async () => {
    const created = await api().post(`${T()}/roles`).set(...bearer(admin.token)).send({ name: 'Auditor', description: 'reads the audit log', permissions: { AUDITLOG: ['READ', 'READ'] } }).expect(201);
    expect(created.body).toMatchObject({ name: 'Auditor', managed: false, isDefault: false, permissions: { AUDITLOG: ['READ'] }, tenantId: tenant });
    await api().post(`${T()}/roles`).set(...bearer(admin.token)).send({ name: 'auditor', permissions: {} }).expect(409);
    const unknown = await api().post(`${T()}/roles`).set(...bearer(admin.token)).send({ name: 'x', permissions: {}, extra: 1 }).expect(400);
    expect(unknown.body.errors[0].field).toBe('extra');
    const page = await api().get(`${T()}/roles`).query({ size: 2, sort: 'name:desc' }).set(...bearer(admin.token)).expect(200);
    expect(page.body).toMatchObject({ total: 6, size: 2, page: 1 });
    expect(page.body.results.map((r: RoleView) => r.name)).toEqual(['Viewer', 'Launcher']);
    const found = await api().get(`${T()}/roles`).query({ q: 'audit' }).set(...bearer(admin.token)).expect(200);
    expect(found.body.total).toBe(1);
    const updated = await api().patch(`${T()}/roles/${created.body.id}`).set(...bearer(admin.token)).send({ permissions: { AUDITLOG: ['READ'], FLOW: ['READ'] } }).expect(200);
    expect(updated.body.permissions).toEqual({ AUDITLOG: ['READ'], FLOW: ['READ'] });
    await api().get(`/api/v1/${foreign}/roles/${created.body.id}`).set(...bearer(root)).expect(404);
    await api().delete(`${T()}/roles/${created.body.id}`).set(...bearer(admin.token)).expect(204);
    await api().get(`${T()}/roles/${created.body.id}`).set(...bearer(admin.token)).expect(404);
  });

  it('lists by cursor: bindings and the tenant\'s users page after page, each once; the namespace filter finds the bindings covering a namespace', async () => {
    const home = (await createTenant(root)).id;
    const homeRoles = await rolesByName(root, home);
    const people = await Promise.all([1, 2, 3, 4, 5].map(() => createUser(root, { emailVerified: true })));
    const spots: Array<string[] | undefined> = [['a'], ['a.b'], undefined, ['a.bc'], ['a.b.c.d']];
    const made = await Promise.all(people.map((p, i) => bindRole(root, home, { roleId: homeRoles.Viewer.id, subjectId: p.user.id, namespaces: spots[i] })));
    const covering = await api().get(`/api/v1/${home}/bindings`).query({ namespace: 'a.b.c', roleId: homeRoles.Viewer.id, size: 100 }).set(...bearer(root)).expect(200);
    expect(covering.body.results.map((b: { id: string }) => b.id).sort()).toEqual([made[0].id, made[1].id, made[2].id].sort());

    const walk = async (path: string, query: Record<string, string | number>) => {
      const all = await api().get(path).query({ ...query, size: 100 }).set(...bearer(root)).expect(200);
      const seen: string[] = [];
      let page = await api().get(path).query({ ...query, size: 2 }).set(...bearer(root)).expect(200);
      for (let pages = 0; ; pages++) {
        expect(page.body.total).toBe(all.body.results.length);
        seen.push(...page.body.results.map((r: { id?: string; subjectId?: string }) => r.id ?? r.subjectId));
        if (!page.body.next || pages > 20) break;
        page = await api().get(path).query({ ...query, size: 2, cursor: page.body.next }).set(...bearer(root)).expect(200);
      }
      expect(seen).toEqual(all.body.results.map((r: { id?: string; subjectId?: string }) => r.id ?? r.subjectId));
      return seen;
    };
    // the five, and the creator's Admin binding
    expect(await walk(`/api/v1/${home}/bindings`, { subjectType: 'USER' })).toHaveLength(6);
    expect(await walk(`/api/v1/${home}/bindings`, { sort: 'roleName:desc' })).toHaveLength(6);
    const members = await walk(`/api/v1/${home}/tenant-access`, { sort: 'subjectId:desc' });
    expect(members).toEqual(expect.arrayContaining(people.map((p) => p.user.id)));
    const refused = await api().get(`/api/v1/${home}/bindings`).query({ cursor: 'not-a-cursor' }).set(...bearer(root)).expect(400);
    expect(refused.body.errors[0].field).toBe('cursor');
  });

  it('groups: CRUD, members from either side, cross-tenant ids are not found', async () => {
    const alice = await createUser(root);
    const group = await api().post(`${T()}/groups`).set(...bearer(admin.token)).send({ name: 'Ops', description: 'operators' }).expect(201);
    await api().post(`${T()}/groups`).set(...bearer(admin.token)).send({ name: 'ops' }).expect(409);
    await api().post(`${T()}/groups/${group.body.id}/members`).set(...bearer(admin.token)).send({ memberType: 'USER', memberId: alice.user.id }).expect(201);
    await api().post(`${T()}/groups/${group.body.id}/members`).set(...bearer(admin.token)).send({ memberType: 'USER', memberId: alice.user.id }).expect(409);
    await api().post(`${T()}/groups/${group.body.id}/members`).set(...bearer(admin.token)).send({ memberType: 'USER', memberId: '00000000-0000-4000-8000-000000000000' }).expect(404);
    const second = await api().post(`${T()}/groups`).set(...bearer(admin.token)).send({ name: 'Dev' }).expect(201);
    await api().post(`${T()}/users/${alice.user.id}/groups`).set(...bearer(admin.token)).send({ groupId: second.body.id }).expect(201);
    const mine = await api().get(`${T()}/users/${alice.user.id}/groups`).set(...bearer(admin.token)).expect(200);
    expect(mine.body.results.map((g: { name: string }) => g.name)).toEqual(['Dev', 'Ops']);
    const members = await api().get(`${T()}/groups/${group.body.id}/members`).set(...bearer(admin.token)).expect(200);
    expect(members.body).toMatchObject({ total: 1, results: [{ memberId: alice.user.id, memberType: 'USER', user: { email: alice.user.email } }] });
    const listed = await api().get(`${T()}/groups`).set(...bearer(admin.token)).expect(200);
    expect(listed.body.results.find((g: { id: string }) => g.id === group.body.id)).toMatchObject({ memberCount: 1 });
    await api().get(`/api/v1/${foreign}/groups/${group.body.id}`).set(...bearer(root)).expect(404);
    await api().patch(`${T()}/groups/${group.body.id}`).set(...bearer(admin.token)).send({ description: 'on call' }).expect(200);
    await api().delete(`${T()}/users/${alice.user.id}/groups/${second.body.id}`).set(...bearer(admin.token)).expect(204);
    await api().delete(`${T()}/groups/${second.body.id}`).set(...bearer(admin.token)).expect(204);
    await api().get(`/api/v1/users/${alice.user.id}`).set(...bearer(root)).expect(200);
  });

  it('bindings: namespaces validated and normalised, search by subject, role and namespace, immutable', async () => {
    const bob = await createUser(root);
    const bad = await api().post(`${T()}/bindings`).set(...bearer(admin.token)).send({ roleId: roles.Viewer.id, subjectType: 'USER', subjectId: bob.user.id, namespaces: ['a..b'] }).expect(400);
    expect(bad.body.errors[0].field).toBe('namespaces');
    const created = await api().post(`${T()}/bindings`).set(...bearer(admin.token))
      .send({ roleId: roles.Viewer.id, subjectType: 'USER', subjectId: bob.user.id, namespaces: ['team.a.x', 'team.a', 'team.a'] }).expect(201);
    expect(created.body).toMatchObject({ namespaces: ['team.a'], roleName: 'Viewer', subjectId: bob.user.id });
    await api().post(`${T()}/bindings`).set(...bearer(admin.token)).send({ roleId: roles.Viewer.id, subjectType: 'USER', subjectId: bob.user.id, namespaces: ['team.a'] }).expect(409);
    await api().patch(`${T()}/bindings/${created.body.id}`).set(...bearer(admin.token)).send({ namespaces: null }).expect(404);
    const covering = async (namespace: string) =>
      (await api().get(`${T()}/bindings`).query({ subjectId: bob.user.id, namespace }).set(...bearer(admin.token)).expect(200)).body.total;
    expect(await covering('team.a.y')).toBe(1);
    expect(await covering('team.ab')).toBe(0);
    const byRole = await api().get(`${T()}/bindings`).query({ roleId: roles.Admin.id }).set(...bearer(admin.token)).expect(200);
    expect(byRole.body.results.map((b: { subjectId: string }) => b.subjectId)).toContain(admin.user.id);
    // Another tenant's role, group or binding is not found here.
    const foreignRoles = await rolesByName(root, foreign);
    await api().post(`${T()}/bindings`).set(...bearer(root)).send({ roleId: foreignRoles.Viewer.id, subjectType: 'USER', subjectId: bob.user.id }).expect(404);
    const foreignGroup = await createGroup(root, foreign, unique('g'));
    await api().post(`${T()}/bindings`).set(...bearer(root)).send({ roleId: roles.Viewer.id, subjectType: 'GROUP', subjectId: foreignGroup.id }).expect(404);
    await api().delete(`/api/v1/${foreign}/bindings/${created.body.id}`).set(...bearer(root)).expect(404);
    await api().delete(`${T()}/bindings/${created.body.id}`).set(...bearer(admin.token)).expect(204);
  });

  it('effective permissions show their origin (binding or group), and the default role is bound to users who join', async () => {
    const carol = await createUser(root);
    await api().patch(`${T()}/roles/${roles.Launcher.id}`).set(...bearer(admin.token)).send({ isDefault: true }).expect(200);
    const group = await createGroup(admin.token, tenant, unique('viewers'), [carol.user.id]);
    const launcherBindings = await api().get(`${T()}/bindings`).query({ subjectId: carol.user.id, roleId: roles.Launcher.id }).set(...bearer(admin.token)).expect(200);
    expect(launcherBindings.body.total).toBe(1);
    await bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectType: 'GROUP', subjectId: group.id, namespaces: ['ops'] });
    const effective = await api().get(`${T()}/users/${carol.user.id}/permissions`).query({ size: 100 }).set(...bearer(admin.token)).expect(200);
    const flowRead = effective.body.results.find((e: { permission: string; action: string }) => e.permission === 'FLOW' && e.action === 'READ');
    expect(flowRead.namespaces).toBeNull();
    expect(flowRead.via.sort()).toEqual(['binding', 'group']);
    expect(flowRead.origins).toEqual(expect.arrayContaining([
      expect.objectContaining({ roleName: 'Launcher', groupId: null }),
      expect.objectContaining({ roleName: 'Viewer', groupId: group.id, groupName: group.name, namespaces: ['ops'] }),
    ]));
    const why = await api().post(`${T()}/acls/explain`).set(...bearer(carol.token)).send({ permission: 'FLOW', action: 'READ', namespace: 'ops.x' }).expect(200);
    expect(why.body).toMatchObject({ allowed: true, tenantLive: true, subject: { id: carol.user.id, superAdmin: false } });
    expect(why.body.grants.map((g: { roleName: string }) => g.roleName).sort()).toEqual(['Launcher', 'Viewer']);
    const whyNot = await api().post(`${T()}/acls/explain`).set(...bearer(carol.token)).send({ permission: 'TEMPLATE', action: 'READ', namespace: 'dev' }).expect(200);
    expect(whyNot.body).toMatchObject({ allowed: false, reason: 'missing TEMPLATE:READ in namespace dev', grants: [] });
    expect(whyNot.body.nearMisses).toEqual([expect.objectContaining({ roleName: 'Viewer', namespaces: ['ops'] })]);
    // A user without access to this tenant is not found here.
    const stranger = await createUser(root);
    await api().get(`${T()}/users/${stranger.user.id}/permissions`).set(...bearer(admin.token)).expect(404);
    await api().patch(`${T()}/roles/${roles.Launcher.id}`).set(...bearer(admin.token)).send({ isDefault: false }).expect(200);
  });

  it("a service account's effective permissions: empty without a binding, group-derived in a group; another tenant's is not found", async () => {
    const create = async (where: string) => (await api().post(`/api/v1/${where}/service-accounts`).set(...bearer(root)).send({ name: unique('perm-sa') }).expect(201)).body;
    const permissions = (id: string) => api().get(`${T()}/users/${id}/permissions`).query({ size: 100 }).set(...bearer(admin.token));
    const unbound = await create(tenant);
    const idle = await permissions(unbound.id);
    expect({ status: idle.status, results: idle.body.results, total: idle.body.total }).toEqual({ status: 200, results: [], total: 0 });

    const grouped = await create(tenant);
    const group = await createGroup(admin.token, tenant, unique('robots'));
    await api().post(`${T()}/groups/${group.id}/members`).set(...bearer(admin.token)).send({ memberType: 'SERVICE_ACCOUNT', memberId: grouped.id }).expect(201);
    await bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectType: 'GROUP', subjectId: group.id, namespaces: ['ops'] });
    const derived = await permissions(grouped.id).expect(200);
    expect(derived.body.results.find((e: { permission: string; action: string }) => e.permission === 'FLOW' && e.action === 'READ'))
      .toMatchObject({ namespaces: ['ops'], via: ['group'] });

    const elsewhere = await create(foreign);
    for (const id of [elsewhere.id, '00000000-0000-4000-8000-000000000000']) {
      const missing = await permissions(id);
      expect({ id, status: missing.status }).toEqual({ id, status: 404 });
    }
  });

  it('tenant access: lists who has access, finds a user by exact email only, adds by group and role, removes', async () => {
    const dave = await createUser(root);
    const group = await createGroup(admin.token, tenant, unique('team'));
    const lookup = await api().get(`${T()}/tenant-access/lookup`).query({ email: dave.user.email }).set(...bearer(admin.token)).expect(200);
    expect(lookup.body).toMatchObject({ id: dave.user.id, member: false });
    await api().get(`${T()}/tenant-access/lookup`).query({ email: `nobody-${unique('x')}@example.test` }).set(...bearer(admin.token)).expect(404);
    const added = await api().post(`${T()}/tenant-access`).set(...bearer(admin.token))
      .send({ email: dave.user.email, groupIds: [group.id], roles: [{ roleId: roles.Editor.id, namespaces: ['dave'] }] }).expect(201);
    expect(added.body).toMatchObject({ subjectId: dave.user.id, bindings: 1, groups: [{ id: group.id }] });
    const refused = await api().post(`${T()}/tenant-access`).set(...bearer(admin.token)).send({ email: dave.user.email, roles: [{ roleId: roles.Admin.id }] }).expect(403);
    expect(refused.body.rule).toBe('tenant-permission-required');
    const list = await api().get(`${T()}/tenant-access`).query({ q: dave.username.slice(0, 12) }).set(...bearer(admin.token)).expect(200);
    expect(list.body.results).toEqual([expect.objectContaining({ subjectId: dave.user.id, user: expect.objectContaining({ email: dave.user.email }) })]);
    const all = await api().get(`${T()}/tenant-access`).query({ size: 1 }).set(...bearer(admin.token)).expect(200);
    expect(all.body.total).toBeGreaterThanOrEqual(2);
    expect(all.body.results).toHaveLength(1);
    const decisions = await checkSelf(dave.token, tenant, [{ permission: 'FLOW', action: 'UPDATE', namespace: 'dave.x' }, { permission: 'FLOW', action: 'UPDATE', namespace: 'davex' }]);
    expect(decisions.map((d) => d.allowed)).toEqual([true, false]);
    await api().delete(`${T()}/tenant-access/${dave.user.id}`).set(...bearer(admin.token)).expect(204);
    const after = await checkSelf(dave.token, tenant, [{ permission: 'FLOW', action: 'UPDATE', namespace: 'dave.x' }]);
    expect(after[0].allowed).toBe(false);
    const viewer = await createUser(root);
    await bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectId: viewer.user.id });
    await api().get(`${T()}/tenant-access`).set(...bearer(viewer.token)).expect(403);
  });

  it("tenant access ?q= searches the names identity's events keep in authorization (created, renamed, email changed), in this tenant only", async () => {
    const marker = unique('zq').replace(/[^a-z0-9]/gi, '').toLowerCase();
    const member = await createUser(root, { firstName: `Ada${marker}`, lastName: 'Lovelace' });
    const outsider = await createUser(root, { firstName: `Ada${marker}`, lastName: 'Elsewhere' });
    await bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectId: member.user.id });
    await bindRole(root, foreign, { roleId: (await rolesByName(root, foreign)).Viewer.id, subjectId: outsider.user.id });
    const search = async (q: string) =>
      (await api().get(`${T()}/tenant-access`).query({ q }).set(...bearer(admin.token)).expect(200)).body as { results: Array<{ subjectId: string }>; total: number };
    expect((await search(`ada${marker}`)).results.map((r) => r.subjectId)).toEqual([member.user.id]);
    expect((await search(`${marker} lovelace`)).results.map((r) => r.subjectId)).toEqual([member.user.id]);

    await api().patch(`/api/v1/users/${member.user.id}`).set(...bearer(root)).send({ lastName: `Byron${marker}`, email: `renamed-${marker}@gatehouse.test` }).expect(200);
    await eventually(async () => (await search(`byron${marker}`)).total === 1);
    expect((await search(`renamed-${marker}`)).results.map((r) => r.subjectId)).toEqual([member.user.id]);
    expect((await search(`${marker} lovelace`)).total).toBe(0);
  });

  it('invitations: a new person accepts with a single-use link and gets the roles and groups', async () => {
    const group = await createGroup(admin.token, tenant, unique('invited'));
    const email = `${unique('invitee')}@gatehouse.test`;
    const created = await api().post(`${T()}/invitations`).set(...bearer(admin.token))
      .send({ email, roles: [{ roleId: roles.Editor.id, namespaces: ['web'] }], groupIds: [group.id] }).expect(201);
    expect(created.body).toMatchObject({ email, status: 'PENDING', groupIds: [group.id], roles: [{ roleId: roles.Editor.id, namespaces: ['web'] }] });
    const token = new URL(created.body.link).searchParams.get('token') as string;
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const stored = await db.query(`SELECT token_hash FROM "authorization".invitations WHERE id = $1`, [created.body.id]);
    expect(stored.rows[0].token_hash).not.toContain(token);
    const event = await eventually(async () => {
      const { rows } = await db.query(`SELECT envelope FROM "authorization".outbox WHERE subject = 'events.authorization.invitation.created.v1' AND envelope->'data'->>'invitationId' = $1`, [created.body.id]);
      return rows[0]?.envelope;
    });
    expect(event.data).toMatchObject({ email, tenantId: tenant });
    // the link's secret is in the event sealed only (LINK_TOKEN_ENCRYPTION_KEYS), bound to the invitation
    expect(JSON.stringify(event)).not.toContain(token);
    expect(openLinkToken(event.data.sealedToken, 'invitation', created.body.id)).toBe(token);
    const listed = await api().get(`${T()}/invitations`).query({ status: 'PENDING', q: email }).set(...bearer(admin.token)).expect(200);
    expect(listed.body.total).toBe(1);
    expect(listed.body.results[0].link).toBeUndefined();

    const missing = await api().post('/api/v1/invitations/accept').send({ token }).expect(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(['username', 'password']);
    const accepted = await api().post('/api/v1/invitations/accept').send({ token, username: email, password: 'Invited-Pass-42', firstName: 'In' }).expect(200);
    expect(accepted.body).toMatchObject({ tenantId: tenant, created: true });
    await api().post('/api/v1/invitations/accept').send({ token }).expect(409);
    const invitee = await login(email, 'Invited-Pass-42');
    const decisions = await checkSelf(invitee, tenant, [{ permission: 'FLOW', action: 'UPDATE', namespace: 'web.site' }, { permission: 'FLOW', action: 'UPDATE', namespace: 'ops' }]);
    expect(decisions.map((d) => d.allowed)).toEqual([true, false]);
    const members = await api().get(`${T()}/groups/${group.id}/members`).set(...bearer(admin.token)).expect(200);
    expect(members.body.results[0].memberId).toBe(accepted.body.userId);
    const read = await api().get(`${T()}/invitations/${created.body.id}`).set(...bearer(admin.token)).expect(200);
    expect(read.body).toMatchObject({ status: 'ACCEPTED', acceptedBy: accepted.body.userId });
  });

  it('invitations: an existing user accepts without a password; expired and unknown links are refused; escalation applies', async () => {
    const erin = await createUser(root);
    const refused = await api().post(`${T()}/invitations`).set(...bearer(admin.token)).send({ email: erin.user.email, roles: [{ roleId: roles.Admin.id }] }).expect(403);
    expect(refused.body.rule).toBe('tenant-permission-required');
    const created = await api().post(`${T()}/invitations`).set(...bearer(admin.token)).send({ email: erin.user.email, roles: [{ roleId: roles.Viewer.id }] }).expect(201);
    const token = new URL(created.body.link).searchParams.get('token') as string;
    const accepted = await api().post('/api/v1/invitations/accept').send({ token }).expect(200);
    expect(accepted.body).toMatchObject({ userId: erin.user.id, created: false });

    const late = await api().post(`${T()}/invitations`).set(...bearer(admin.token)).send({ email: `${unique('late')}@gatehouse.test` }).expect(201);
    await db.query(`UPDATE "authorization".invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [late.body.id]);
    const lateToken = new URL(late.body.link).searchParams.get('token') as string;
    const expired = await api().post('/api/v1/invitations/accept').send({ token: lateToken, username: unique('late'), password: 'Whatever-Pass-42' }).expect(409);
    expect(expired.body.detail).toContain('expired');
    const listed = await api().get(`${T()}/invitations`).query({ status: 'EXPIRED' }).set(...bearer(admin.token)).expect(200);
    expect(listed.body.results.map((i: { id: string }) => i.id)).toContain(late.body.id);
    await api().post('/api/v1/invitations/accept').send({ token: 'x'.repeat(43) }).expect(404);
    await api().delete(`${T()}/invitations/${late.body.id}`).set(...bearer(admin.token)).expect(204);
    await api().get(`/api/v1/${foreign}/invitations/${created.body.id}`).set(...bearer(root)).expect(404);
  });

  it('group password reset asks identity for every user member', async () => {
    const frank = await createUser(root);
    const group = await createGroup(admin.token, tenant, unique('reset'), [frank.user.id]);
    const reset = await api().post(`${T()}/groups/${group.id}/password-reset`).set(...bearer(admin.token)).expect(200);
    expect(reset.body).toEqual({ requested: 1 });
  });

  it('custom role CRUD changes are audited', async () => {
    const role = await createRole(admin.token, tenant, { name: unique('audited'), permissions: { FLOW: ['READ'] } });
    const { rows } = await db.query(
      `SELECT envelope->'data' AS entry FROM "authorization".outbox WHERE subject = 'events.authorization.audit.recorded.v1' AND envelope->'data'->>'resourceId' = $1`,
      [role.id],
    );
    expect(rows[0].entry).toMatchObject({ tenantId: tenant, type: 'CREATE', resourceType: 'ROLE', actor: { type: 'USER', id: admin.user.id } });
  });

  it('answers writes that race the deletion of what they refer to with 4xx, never 5xx (roles under new bindings, groups under new members)', async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 5; round++) {
      const role = await createRole(admin.token, tenant, { name: unique('racing-role'), permissions: { FLOW: ['READ'] } });
      const group = await createGroup(admin.token, tenant, unique('racing-group'));
      const users = await Promise.all([1, 2, 3, 4].map(() => createUser(root)));
      const writes = [
        ...users.map((u) => api().post(`${T()}/bindings`).set(...bearer(admin.token)).send({ roleId: role.id, subjectType: 'USER', subjectId: u.user.id })),
        ...users.map((u) => api().post(`${T()}/groups/${group.id}/members`).set(...bearer(admin.token)).send({ memberType: 'USER', memberId: u.user.id })),
        api().delete(`${T()}/roles/${role.id}`).set(...bearer(admin.token)),
        api().delete(`${T()}/groups/${group.id}`).set(...bearer(admin.token)),
        ...users.map((u) => api().post(`${T()}/bindings`).set(...bearer(admin.token)).send({ roleId: role.id, subjectType: 'GROUP', subjectId: group.id, namespaces: [u.user.id.slice(0, 8)] })),
      ];
      statuses.push(...(await Promise.all(writes)).map((r) => r.status));
    }
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });
});
