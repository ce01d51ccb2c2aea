import {
  api, bearer, bindRole, createGroup, createRole, createTenant, createUser, eventually, rolesByName, superAdminToken, unique,
} from '@gatehouse/testing';

interface Entry {
  type: string;
  resourceType: string;
  resourceId: string | null;
  actor: { type: string; id: string | null };
  ip: string | null;
  tenantId?: string | null;
  details?: Record<string, unknown>;
}

/** Every kind of mutation, made through the gateway, lands in the audit trail with who, what, where. */
describe('audit trail across services', () => {
  let root: string;
  let rootId: string;

  beforeAll(async () => {
    root = await superAdminToken();
    rootId = (await api().get('/api/v1/me').set(...bearer(root)).expect(200)).body.id;
  });

  async function search(path: string, query: Record<string, string>, token = root): Promise<Entry[]> {
    const response = await api().get(path).query({ size: '200', ...query }).set(...bearer(token)).expect(200);
    return response.body.results as Entry[];
  }

  it('records user management, tenant lifecycle and sign-ins at instance level (Super Admin view)', async () => {
    const user = await createUser(root);
    await api().patch(`/api/v1/users/${user.user.id}`).set(...bearer(root)).send({ firstName: 'Audited' }).expect(200);
    await api().post('/api/v1/login').send({ username: user.username, password: 'wrong-password-1' }).expect(401);
    const tenant = await createTenant(root);
    await api().patch(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).send({ name: 'Renamed' }).expect(200);

    const forUser = await eventually(async () => {
      const entries = await search('/api/v1/auditlogs/search', { resourceId: user.user.id });
      const types = entries.map((e) => e.type);
      return ['CREATE', 'UPDATE', 'LOGIN', 'LOGIN_FAILURE'].every((t) => types.includes(t)) ? entries : null;
    });
    const update = forUser.find((e) => e.type === 'UPDATE' && e.resourceType === 'USER');
    expect(update).toMatchObject({ actor: { type: 'USER', id: rootId }, ip: expect.any(String) });
    const tenantEntries = await eventually(async () => {
      const entries = await search('/api/v1/auditlogs/search', { resourceType: 'TENANT', resourceId: tenant.id });
      return entries.length >= 2 ? entries : null;
    });
    expect(tenantEntries.map((e) => e.type).sort()).toEqual(['CREATE', 'UPDATE']);
    const plain = await createUser(root);
    await api().get('/api/v1/auditlogs/search').set(...bearer(plain.token)).expect(403);
  });

  it("records access management inside a tenant, visible to the tenant's Admin only", async () => {
    const admin = await createUser(root);
    const tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const member = await createUser(root);
    const role = await createRole(admin.token, tenant, { name: unique('auditor'), permissions: { FLOW: ['READ'] } });
    await bindRole(admin.token, tenant, { roleId: role.id, subjectId: member.user.id, namespaces: ['company.team'] });
    const group = await createGroup(admin.token, tenant, unique('g'), [member.user.id]);
    const account = await api().post(`/api/v1/${tenant}/service-accounts`).set(...bearer(admin.token)).send({ name: unique('robot').slice(0, 30) }).expect(201);
    await api().post(`/api/v1/${tenant}/service-accounts/${account.body.id}/api-tokens`).set(...bearer(admin.token)).send({ name: 'ci' }).expect(201);
    await api().post(`/api/v1/${tenant}/invitations`).set(...bearer(admin.token)).send({ email: `${unique('inv')}@x.test` }).expect(201);

    const expected = ['ROLE', 'BINDING', 'GROUP', 'SERVICE_ACCOUNT', 'API_TOKEN', 'INVITATION'];
    const entries = await eventually(async () => {
      const found = await search(`/api/v1/${tenant}/auditlogs/search`, {}, admin.token);
      const kinds = new Set(found.map((e) => e.resourceType));
      return expected.every((k) => kinds.has(k)) ? found : null;
    });
    expect(entries.every((e) => e.tenantId === tenant)).toBe(true);
    expect(entries.find((e) => e.resourceType === 'GROUP' && e.resourceId === group.id)).toMatchObject({ type: 'CREATE', actor: { id: admin.user.id } });
    expect(JSON.stringify(entries)).not.toMatch(/\$argon2|gh_[A-Za-z0-9_-]{20,}/);
    await api().get(`/api/v1/${tenant}/auditlogs/search`).set(...bearer(member.token)).expect(403);
    await api().get(`/api/v1/${tenant}/auditlogs/search`).set(...bearer(root)).expect(403);
  });

  describe('the grant guard\'s refusals (ACCESS_REFUSED)', () => {
    const refusalsIn = (tenant: string, token: string, actor: string) => search(`/api/v1/${tenant}/auditlogs/search`, { type: 'ACCESS_REFUSED', actor }, token);

    it('records a refused self-elevation in the tenant: the 403 as before, one entry naming the rule and the actor, nothing else written', async () => {
      const admin = await createUser(root);
      const tenant = (await createTenant(root, { adminUser: admin.username })).id;
      const roles = await rolesByName(admin.token, tenant);
      const binder = await createUser(root);
      const binding = await createRole(admin.token, tenant, { name: unique('binder'), permissions: { BINDING: ['CREATE', 'READ'] } });
      await bindRole(admin.token, tenant, { roleId: binding.id, subjectId: binder.user.id });
      // The gateway's own denials (a permission the route needs) are not the guard's: not recorded.
      await api().get(`/api/v1/${tenant}/auditlogs/search`).set(...bearer(binder.token)).expect(403);

      const refused = await api().post(`/api/v1/${tenant}/bindings`).set(...bearer(binder.token))
        .send({ roleId: roles.Admin.id, subjectType: 'USER', subjectId: binder.user.id }).expect(403);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ status: 403, rule: 'tenant-permission-required' });

      const [entry, ...more] = await eventually(async () => {
        const found = await refusalsIn(tenant, admin.token, binder.user.id);
        return found.length > 0 ? found : null;
      });
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        tenantId: tenant, type: 'ACCESS_REFUSED', resourceType: 'BINDING', resourceId: null, actor: { type: 'USER', id: binder.user.id }, ip: expect.any(String),
        details: { rule: refused.body.rule, detail: refused.body.detail, operation: 'authorization.bindings.create.v1', requestId: expect.any(String) },
      });
      const text = JSON.stringify(entry);
      for (const secret of [binder.token, binder.password, binder.token.split('.')[2]]) expect(text).not.toContain(secret);
      // Nothing else was written: no binding, and the refusal is the binder's only entry.
      const bindings = await api().get(`/api/v1/${tenant}/bindings`).query({ subjectId: binder.user.id, roleId: roles.Admin.id }).set(...bearer(admin.token)).expect(200);
      expect(bindings.body.total).toBe(0);
      expect((await search(`/api/v1/${tenant}/auditlogs/search`, { actor: binder.user.id }, admin.token)).map((e) => e.type)).toEqual(['ACCESS_REFUSED']);
    });

    it('records a refusal across tenants in the tenant of the request only, never in the other tenant\'s trail', async () => {
      const [adminA, adminB] = [await createUser(root), await createUser(root)];
      const tenantA = (await createTenant(root, { adminUser: adminA.username })).id;
      const tenantB = (await createTenant(root, { adminUser: adminB.username })).id;
      const both = await createUser(root);
      await bindRole(root, tenantA, { roleId: (await rolesByName(root, tenantA)).Viewer.id, subjectId: both.user.id });
      await bindRole(root, tenantB, { roleId: (await rolesByName(root, tenantB)).Viewer.id, subjectId: both.user.id });

      const refused = await api().post(`/api/v1/${tenantA}/users/${both.user.id}/password-reset`).set(...bearer(adminA.token)).expect(403);
      expect(refused.body.rule).toBe('tenant-boundary');
      const [entry] = await eventually(async () => {
        const found = await refusalsIn(tenantA, adminA.token, adminA.user.id);
        return found.length > 0 ? found : null;
      });
      expect(entry).toMatchObject({ tenantId: tenantA, resourceType: 'USER', resourceId: both.user.id, details: { rule: 'tenant-boundary' } });
      // A later entry of the same source reached B's trail and the instance's: the refusal would have been there by now.
      const marker = await createGroup(adminB.token, tenantB, unique('marker'));
      await eventually(async () => (await search(`/api/v1/${tenantB}/auditlogs/search`, { resourceId: marker.id }, adminB.token)).length > 0);
      expect(await search(`/api/v1/${tenantB}/auditlogs/search`, { type: 'ACCESS_REFUSED' }, adminB.token)).toEqual([]);
      expect(await search('/api/v1/auditlogs/search', { type: 'ACCESS_REFUSED', actor: adminA.user.id })).toEqual([]);
    });

    it('records a refusal identity asked the guard about once, in the tenant, by authorization only', async () => {
      const admin = await createUser(root);
      const tenant = (await createTenant(root, { adminUser: admin.username })).id;
      const roles = await rolesByName(admin.token, tenant);
      const account = await api().post(`/api/v1/${tenant}/service-accounts`).set(...bearer(admin.token)).send({ name: unique('powerful').slice(0, 30) }).expect(201);
      await bindRole(admin.token, tenant, { roleId: roles.Developer.id, subjectType: 'SERVICE_ACCOUNT', subjectId: account.body.id });
      const manager = await createUser(root);
      const accounts = await createRole(admin.token, tenant, { name: unique('sa-manager'), permissions: { SERVICE_ACCOUNT: ['CREATE', 'READ', 'UPDATE', 'DELETE'] } });
      await bindRole(admin.token, tenant, { roleId: accounts.id, subjectId: manager.user.id });

      const refused = await api().post(`/api/v1/${tenant}/service-accounts/${account.body.id}/api-tokens`).set(...bearer(manager.token)).send({ name: 'steal' }).expect(403);
      expect(refused.body.rule).toBe('no-credential-escalation');
      // Markers from both services, written after the refusal: once they are in the trail, so would be a second entry.
      const token = await api().post(`/api/v1/${tenant}/service-accounts/${account.body.id}/api-tokens`).set(...bearer(admin.token)).send({ name: 'marker' }).expect(201);
      const group = await createGroup(admin.token, tenant, unique('marker'));
      await eventually(async () => {
        const found = await search(`/api/v1/${tenant}/auditlogs/search`, {}, admin.token);
        return [token.body.id, group.id].every((id) => found.some((e) => e.resourceId === id)) && found.some((e) => e.type === 'ACCESS_REFUSED');
      });
      const entries = await refusalsIn(tenant, admin.token, manager.user.id);
      expect(entries).toEqual([expect.objectContaining({
        tenantId: tenant, resourceType: 'SERVICE_ACCOUNT', resourceId: account.body.id, source: 'authorization',
        details: expect.objectContaining({ rule: 'no-credential-escalation', operation: 'authorization.grants.act-for.v1' }),
      })]);
      expect(JSON.stringify(entries)).not.toContain(token.body.token);
    });
  });
});
