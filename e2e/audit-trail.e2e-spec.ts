import {
  api, bearer, bindRole, createGroup, createRole, createTenant, createUser, eventually, superAdminToken, unique,
} from '@gatehouse/testing';

interface Entry {
  type: string;
  resourceType: string;
  resourceId: string | null;
  actor: { type: string; id: string | null };
  ip: string | null;
  tenantId?: string | null;
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
});
