import { readFileSync } from 'node:fs';
import {
  api, bearer, bindRole, createGroup, createRole, createTenant, createUser, eventually, superAdminToken, testDb, TestSystem,
} from '@gatehouse/testing';

/**
 * A grant change is broadcast to the other authorization instances after its commit. When the instance
 * that made it is killed in between, the change is in the database but the others still hold the old
 * grants: the replacement instance's start must end that (not GRANTS_CACHE_TTL_SECONDS, 5 minutes, later).
 * A system of its own: two authorization instances, no decision cache in the gateway (every request asks
 * an authorization instance, so both hold the grant).
 */
describe('authorization instance restart', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'authz-restart',
      env: { MULTI_TENANCY_ENABLED: 'true', GATEWAY_DECISION_CACHE_TTL_MS: '0', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0' },
      replicas: { authorization: 2 },
    });
    system.useForFixtures();
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  it('a starting instance drops the grants every other instance cached, so a change whose broadcast died with its instance takes effect', async () => {
    const root = await superAdminToken();
    const admin = await createUser(root);
    const tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const role = await createRole(admin.token, tenant, { name: 'role-reader', permissions: { ROLE: ['READ'] } });
    const reader = await createUser(root);
    await bindRole(root, tenant, { roleId: role.id, subjectId: reader.user.id });
    const statuses = async () => {
      const answers: number[] = [];
      for (let i = 0; i < 20; i++) answers.push((await api().get(`/api/v1/${tenant}/roles`).set(...bearer(reader.token))).status);
      return [...new Set(answers)];
    };
    expect(await statuses()).toEqual([200]);

    // The binding goes the way a kill between commit and broadcast leaves it: in the database only.
    const db = await testDb(system);
    try {
      await db.query(`DELETE FROM "authorization".bindings WHERE subject_id = $1`, [reader.user.id]);
    } finally {
      await db.end();
    }
    expect(await statuses()).toEqual([200]); // both instances answer from the grants they cached

    const [victim] = system.instancesOf('authorization');
    await system.kill(victim);
    await system.addInstance('authorization');
    expect(await statuses()).toEqual([403]);
  }, 120_000);

  it('a starting instance reports namespace-limited bindings that carry tenant-level permissions (scope rule); they grant those nowhere', async () => {
    const root = await superAdminToken();
    const admin = await createUser(root);
    const tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const role = await createRole(root, tenant, { name: 'auditors', permissions: { AUDITLOG: ['READ'], GROUP: ['DELETE'], FLOW: ['READ'] } });
    const auditor = await createUser(root);
    // Made the way the API allowed before the scope rule: straight in the database.
    const db = await testDb(system);
    let bindingId: string;
    try {
      const inserted = await db.query(
        `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, namespaces)
         VALUES ('TENANT', $1, $2, 'USER', $3, ARRAY['only.here']) RETURNING id`,
        [tenant, role.id, auditor.user.id],
      );
      bindingId = inserted.rows[0].id;
    } finally {
      await db.end();
    }
    const group = await createGroup(admin.token, tenant, 'kept');
    await api().get(`/api/v1/${tenant}/auditlogs/search`).set(...bearer(auditor.token)).expect(403);
    await api().delete(`/api/v1/${tenant}/groups/${group.id}`).set(...bearer(auditor.token)).expect(403);
    const permissions = await api().get(`/api/v1/${tenant}/users/${auditor.user.id}/permissions`).set(...bearer(admin.token)).expect(200);
    expect(permissions.body.results.map((p: { permission: string }) => p.permission)).toEqual(['FLOW']);

    const started = await system.addInstance('authorization');
    const report = await eventually(async () => readFileSync(started.logFile, 'utf8').split('\n').find((line) => line.includes(bindingId)));
    expect(report).toContain('scope rule');
    expect(JSON.parse(report).violations).toEqual(
      expect.arrayContaining([expect.objectContaining({ bindingId, tenantId: tenant, roleName: 'auditors', tenantLevelPermissions: ['AUDITLOG', 'GROUP'] })]),
    );
    // Reported, not changed.
    await api().get(`/api/v1/${tenant}/bindings/${bindingId}`).set(...bearer(admin.token)).expect(200);
  }, 120_000);

  it("a starting instance fills in the names of users the read model lacks (an install with a database per service), so the tenant's user search finds them", async () => {
    const root = await superAdminToken();
    const admin = await createUser(root);
    const tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const role = await createRole(admin.token, tenant, { name: 'flow-reader', permissions: { FLOW: ['READ'] } });
    const member = await createUser(root);
    await bindRole(admin.token, tenant, { roleId: role.id, subjectId: member.user.id });
    const search = async () =>
      ((await api().get(`/api/v1/${tenant}/tenant-access`).query({ q: member.username.slice(0, 14) }).set(...bearer(admin.token)).expect(200)).body.results as Array<{ subjectId: string }>)
        .map((r) => r.subjectId);
    await eventually(async () => (await search()).includes(member.user.id));

    // The state the names migration leaves where identity's schema is in another database: no names, marked.
    const db = await testDb(system);
    try {
      await db.query(`UPDATE "authorization".subject_facts SET username = NULL, email = NULL, display_name = NULL, names_pending = true WHERE id = $1`, [member.user.id]);
    } finally {
      await db.end();
    }
    expect(await search()).toEqual([]);

    const [victim] = system.instancesOf('authorization');
    await system.kill(victim);
    await system.addInstance('authorization');
    await eventually(async () => (await search()).includes(member.user.id));
    expect(await search()).toEqual([member.user.id]);
  }, 120_000);
});
