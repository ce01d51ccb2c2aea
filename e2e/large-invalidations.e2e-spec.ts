import { api, bearer, bindRole, createGroup, createRole, createTenant, createUser, superAdminToken, TestSystem, withTestDb } from '@gatehouse/testing';

/**
 * A change to a role bound to a large group affects every member, and disabling a user ends all its
 * sessions: the broadcast names them all. NATS carries 1 MB per message (~27,000 ids); a bigger one must
 * still reach every gateway and authorization instance, and the change must answer as the success it is.
 */
describe('broadcasts larger than one NATS message', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'large-invalidations',
      // A decision cached for a minute and no periodic revocation reload: only the broadcasts act within these tests.
      env: {
        MULTI_TENANCY_ENABLED: 'true',
        GATEWAY_DECISION_CACHE_TTL_MS: '60000',
        REVOCATIONS_RELOAD_SECONDS: '0',
        RATE_LIMIT_PER_IP_PER_MINUTE: '0',
        RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0',
      },
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

    await withTestDb(
      (db) => db.query(`INSERT INTO "authorization".group_members (group_id, member_type, member_id) SELECT $1, 'USER', gen_random_uuid() FROM generate_series(1, 40000)`, [group.id]),
      system,
    );

    const changed = await api().patch(`/api/v1/${tenant}/roles/${role.id}`).set(...bearer(root)).send({ permissions: { GROUP: ['READ'] } });
    expect(changed.status).toBe(200);
    for (let i = 0; i < 4; i++) expect(await memberReads()).toBe(403);
  }, 120_000);

  it('disabling a user with 40,000 sessions refuses its access token at once', async () => {
    const root = await superAdminToken();
    const user = await createUser(root);
    const sessionStatus = async () => (await api().get('/api/v1/default/acls/permissions').set(...bearer(user.token))).status;
    expect(await sessionStatus()).toBe(200);
    await withTestDb(
      (db) => db.query(
        `INSERT INTO identity.refresh_tokens (family_id, user_id, token_hash, expires_at)
         SELECT gen_random_uuid(), $1, 'bulk-session-' || i, now() + interval '1 day' FROM generate_series(1, 40000) AS i`,
        [user.user.id],
      ),
      system,
    );
    await api().post(`/api/v1/users/${user.user.id}/disable`).set(...bearer(root)).expect(200);
    expect(await sessionStatus()).toBe(401);
  }, 60_000);
});
