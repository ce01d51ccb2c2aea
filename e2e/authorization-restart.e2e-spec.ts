import { Client } from 'pg';
import { api, bearer, bindRole, createRole, createTenant, createUser, superAdminToken, TestSystem } from '@gatehouse/testing';

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
    const db = new Client({ connectionString: system.database.url });
    await db.connect();
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
});
