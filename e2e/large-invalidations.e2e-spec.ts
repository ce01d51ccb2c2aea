import { Client } from 'pg';
import { api, bearer, bindRole, createGroup, createRole, createTenant, createUser, superAdminToken, TestSystem } from '@gatehouse/testing';

/**
 * A change to a role bound to a large group affects every member: the invalidation names them all. NATS
 * carries 1 MB per message (~27,000 subject ids); a bigger invalidation must still reach every gateway
 * and authorization instance, and the change must answer as the success it is.
 */
describe('invalidations larger than one NATS message', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'large-invalidations',
      // A decision cached for a minute: only the invalidation can end it within this test.
      env: { MULTI_TENANCY_ENABLED: 'true', GATEWAY_DECISION_CACHE_TTL_MS: '60000', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0' },
      replicas: { authorization: 2 },
    });
    system.useForFixtures();
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  it('changing a role bound to a group of 40,000 members succeeds and applies to a member at once', async () => {
    const root = await superAdminToken();
    const [admin, member] = [await createUser(root), await createUser(root)];
    const tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const role = await createRole(root, tenant, { name: 'readers', permissions: { ROLE: ['READ'] } });
    const group = await createGroup(root, tenant, 'everyone', [member.user.id]);
    await bindRole(root, tenant, { roleId: role.id, subjectType: 'GROUP', subjectId: group.id });
    const memberReads = async () => (await api().get(`/api/v1/${tenant}/roles`).set(...bearer(member.token))).status;
    for (let i = 0; i < 4; i++) expect(await memberReads()).toBe(200); // cached by the gateway, on both instances

    const db = new Client({ connectionString: system.database.url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO "authorization".group_members (group_id, member_type, member_id) SELECT $1, 'USER', gen_random_uuid() FROM generate_series(1, 40000)`,
        [group.id],
      );
    } finally {
      await db.end();
    }

    const changed = await api().patch(`/api/v1/${tenant}/roles/${role.id}`).set(...bearer(root)).send({ permissions: { GROUP: ['READ'] } });
    expect(changed.status).toBe(200);
    for (let i = 0; i < 4; i++) expect(await memberReads()).toBe(403);
  }, 120_000);
});
