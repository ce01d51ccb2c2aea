import { api, bearer, bindInstanceRole, createRole, createTenant, createUser, eventually, superAdminToken, testDb, unique } from '@gatehouse/testing';

describe('tenants: lifecycle and audit trail', () => {
  let root: string;

  beforeAll(async () => {
    root = await superAdminToken();
  });

  it('renames a tenant and changes its worker group; bad input is refused by field', async () => {
    const tenant = await createTenant(root);
    const updated = await api().patch(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).send({ name: 'Renamed', workerGroup: 'gpu' }).expect(200);
    expect(updated.body).toMatchObject({ id: tenant.id, name: 'Renamed', workerGroup: 'gpu' });
    const cleared = await api().patch(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).send({ workerGroup: null }).expect(200);
    expect(cleared.body.workerGroup).toBeNull();
    const bad = await api().patch(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).send({ name: '', status: 'DELETED' }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'status']);
    expect((await api().get(`/api/v1/tenants/${tenant.id}`).set(...bearer(root))).body.name).toBe('Renamed');
    await api().patch(`/api/v1/tenants/${unique('none')}`).set(...bearer(root)).send({ name: 'x' }).expect(404);
  });

  it('deletes a tenant: gone from reads and lists, its paths unreachable, its id never reused, users intact', async () => {
    const admin = await createUser(root);
    const tenant = await createTenant(root, { adminUser: admin.username });
    await api().get(`/api/v1/${tenant.id}/auditlogs/search`).set(...bearer(admin.token)).expect(200);

    await api().delete(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).expect(204);
    await api().get(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).expect(404);
    const list = await api().get('/api/v1/tenants').query({ q: tenant.id }).set(...bearer(root)).expect(200);
    expect(list.body.total).toBe(0);
    await api().delete(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).expect(404);
    const reuse = await api().post('/api/v1/tenants').set(...bearer(root)).send({ id: tenant.id, name: 'Again' }).expect(409);
    expect(reuse.body.detail).toContain('never reused');
    await api().get(`/api/v1/users/${admin.user.id}`).set(...bearer(root)).expect(200);
    await api().get('/api/v1/me').set(...bearer(admin.token)).expect(200);
  });

  it('accepts no write to a deleted tenant once the deletion has answered, on any instance: 404, nothing stored', async () => {
    const admin = await createUser(root);
    const tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const base = `/api/v1/${tenant}`;
    const flowReader = await createRole(admin.token, tenant, { name: unique('flow-reader'), permissions: { FLOW: ['READ'] } });
    const sa = (await api().post(`${base}/service-accounts`).set(...bearer(admin.token)).send({ name: unique('sa') }).expect(201)).body;
    let n = 0;
    const writes = () => {
      n += 1;
      const as = (token: string, method: 'post' | 'put', path: string, body: object) => api()[method](`${base}${path}`).set(...bearer(token)).send(body);
      return [
        as(admin.token, 'post', '/groups', { name: `late-group-${n}` }),
        as(root, 'post', '/groups', { name: `late-root-group-${n}` }),
        as(admin.token, 'post', '/roles', { name: `late-role-${n}`, permissions: { FLOW: ['READ'] } }),
        as(admin.token, 'post', '/bindings', { roleId: flowReader.id, subjectType: 'USER', subjectId: admin.user.id, namespaces: [`late${n}`] }),
        as(admin.token, 'post', '/invitations', { email: `late-${n}-${tenant}@gatehouse.test` }),
        as(admin.token, 'post', '/service-accounts', { name: `late-sa-${n}` }),
        as(admin.token, 'post', `/service-accounts/${sa.id}/api-tokens`, { name: `late-token-${n}` }),
        as(admin.token, 'put', '/settings/me', { theme: 'dark' }),
        as(admin.token, 'put', '/mfa-policy', { policy: 'optional' }),
      ];
    };
    // Every kind of write is accepted while the tenant lives; each instance has seen the tenant and the admin.
    for (const response of await Promise.all(writes())) expect(response.status).toBeLessThan(300);
    for (let i = 0; i < 2; i++) await Promise.all(writes());

    await api().delete(`/api/v1/tenants/${tenant}`).set(...bearer(root)).expect(204);
    // Right away (in the same tick), then in waves spread over both authorization instances.
    const attempts = [...writes(), ...writes(), ...writes(), ...writes(), ...writes()];
    const late = await Promise.all(attempts.map(async (attempt) => ({ what: `${attempt.method} ${attempt.url}`, response: await attempt })));
    const accepted = late.filter(({ response }) => response.status !== 404 || !String(response.headers['content-type']).startsWith('application/problem+json'));
    expect(accepted.map(({ what, response }) => `${what} -> ${response.status}`)).toEqual([]);

    const db = await testDb();
    try {
      const left = async () => (await db.query(
        `SELECT (SELECT count(*) FROM "authorization".roles WHERE tenant_id = $1)::int
              + (SELECT count(*) FROM "authorization".groups WHERE tenant_id = $1)::int
              + (SELECT count(*) FROM "authorization".bindings WHERE tenant_id = $1)::int
              + (SELECT count(*) FROM "authorization".invitations WHERE tenant_id = $1)::int
              + (SELECT count(*) FROM identity.service_accounts WHERE tenant_key = $1)::int
              + (SELECT count(*) FROM identity.api_tokens WHERE sa_tenant_key = $1)::int
              + (SELECT count(*) FROM identity.user_settings WHERE tenant_key = $1)::int
              + (SELECT count(*) FROM identity.mfa_policies WHERE tenant_key = $1)::int AS n`,
        [tenant],
      )).rows[0].n as number;
      // The purge (from the durable tenant.deleted event) removes what was written before; nothing comes after it.
      expect(await eventually(async () => (await left()) === 0 || null, 10_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(await left()).toBe(0);
      // Whatever the code path: Postgres itself refuses the deleted tenant's rows (SQLSTATE GH404, answered as 404).
      for (const sql of [
        `INSERT INTO "authorization".groups (tenant_id, name) VALUES ($1, 'direct')`,
        `INSERT INTO identity.service_accounts (tenant_key, name) VALUES ($1, 'direct')`,
        `INSERT INTO identity.user_settings (user_id, tenant_key, settings) VALUES ('${admin.user.id}', $1, '{}')`,
        `INSERT INTO identity.mfa_policies (tenant_key, policy) VALUES ($1, 'required')`,
      ]) {
        await expect(db.query(sql, [tenant])).rejects.toMatchObject({ code: 'GH404' });
      }
    } finally {
      await db.end();
    }
  });

  it('searches tenants with their counts of users, groups and service accounts', async () => {
    const admin = await createUser(root);
    const member = await createUser(root);
    const tenant = await createTenant(root, { adminUser: admin.username });
    const group = await api().post(`/api/v1/${tenant.id}/groups`).set(...bearer(admin.token)).send({ name: 'devs' }).expect(201);
    await api().post(`/api/v1/${tenant.id}/groups/${group.body.id}/members`).set(...bearer(admin.token)).send({ memberType: 'USER', memberId: member.user.id }).expect(201);
    await api().post(`/api/v1/${tenant.id}/groups`).set(...bearer(admin.token)).send({ name: 'ops' }).expect(201);
    await api().post(`/api/v1/${tenant.id}/service-accounts`).set(...bearer(admin.token)).send({ name: 'robot' }).expect(201);
    const found = await api().get('/api/v1/tenants').query({ q: tenant.id }).set(...bearer(root)).expect(200);
    expect(found.body.results).toEqual([expect.objectContaining({ id: tenant.id, counts: { users: 2, groups: 2, serviceAccounts: 1 } })]);
    const read = await api().get(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).expect(200);
    expect(read.body.counts).toEqual({ users: 2, groups: 2, serviceAccounts: 1 });
  });

  it('lets an Instance Admin create, read, update and delete tenants', async () => {
    const instanceAdmin = await createUser(root);
    await bindInstanceRole(root, 'Instance Admin', instanceAdmin.user.id);
    const id = unique('ia');
    await api().post('/api/v1/tenants').set(...bearer(instanceAdmin.token)).send({ id, name: 'By Instance Admin' }).expect(201);
    await api().get(`/api/v1/tenants/${id}`).set(...bearer(instanceAdmin.token)).expect(200);
    await api().patch(`/api/v1/tenants/${id}`).set(...bearer(instanceAdmin.token)).send({ name: 'Renamed by IA' }).expect(200);
    await api().delete(`/api/v1/tenants/${id}`).set(...bearer(instanceAdmin.token)).expect(204);
    await api().get(`/api/v1/tenants/${id}`).set(...bearer(instanceAdmin.token)).expect(404);
  });

  it('refuses tenant management to a tenant Admin and to a user without TENANT', async () => {
    const admin = await createUser(root);
    const tenant = await createTenant(root, { adminUser: admin.username });
    await api().patch(`/api/v1/tenants/${tenant.id}`).set(...bearer(admin.token)).send({ name: 'Mine now' }).expect(403);
    await api().delete(`/api/v1/tenants/${tenant.id}`).set(...bearer(admin.token)).expect(403);
    await api().get('/api/v1/tenants').set(...bearer(admin.token)).expect(403);
  });

  it("shows a tenant's audit trail to its Admin only, never to Super Admins or other tenants", async () => {
    const admin = await createUser(root);
    const outsider = await createUser(root);
    const tenant = await createTenant(root, { adminUser: admin.username });
    const other = await createTenant(root, { adminUser: outsider.username });

    const own = await api().get(`/api/v1/${tenant.id}/auditlogs/search`).set(...bearer(admin.token)).expect(200);
    expect(own.body).toMatchObject({ page: 1, results: expect.any(Array), total: expect.any(Number) });
    await api().get(`/api/v1/${other.id}/auditlogs/search`).set(...bearer(admin.token)).expect(403);
    await api().get(`/api/v1/${tenant.id}/auditlogs/search`).set(...bearer(outsider.token)).expect(403);
    const rootDenied = await api().get(`/api/v1/${tenant.id}/auditlogs/search`).set(...bearer(root)).expect(403);
    expect(rootDenied.body).toMatchObject({ permission: 'AUDITLOG', action: 'READ' });

    const badFilter = await api().get(`/api/v1/${tenant.id}/auditlogs/search`).query({ type: 'EXPLODE', from: 'yesterday' }).set(...bearer(admin.token)).expect(400);
    expect(badFilter.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'type']);
  });

  it('stores tenant lifecycle audit entries with actor, diff and ip', async () => {
    const tenant = await createTenant(root);
    await api().patch(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).send({ name: 'Audited' }).expect(200);
    await api().delete(`/api/v1/tenants/${tenant.id}`).set(...bearer(root)).expect(204);
    const db = await testDb();
    try {
      const deadline = Date.now() + 10_000;
      let rows: Array<Record<string, unknown>> = [];
      while (Date.now() < deadline) {
        ({ rows } = await db.query(
          `SELECT type, scope, actor_type, actor_id, ip, before, after FROM tenancy.audit_logs
            WHERE resource_type = 'TENANT' AND resource_id = $1 ORDER BY at`,
          [tenant.id],
        ));
        if (rows.length === 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(rows.map((r) => r.type)).toEqual(['CREATE', 'UPDATE', 'DELETE']);
      expect(rows.every((r) => r.scope === 'INSTANCE' && r.actor_type === 'USER' && typeof r.ip === 'string')).toBe(true);
      expect(rows[1]).toMatchObject({ before: { name: `Tenant ${tenant.id}` }, after: { name: 'Audited' } });
      await expect(db.query(`DELETE FROM tenancy.audit_logs WHERE resource_id = $1`, [tenant.id])).rejects.toThrow(/append-only/);
    } finally {
      await db.end();
    }
  });
});
