import { Client } from 'pg';
import { DEFAULT_TENANT_SEGMENT } from '@gatehouse/contracts';
import { api, bearer, bindRole, createRole, createTenant, createUser, superAdminToken, TestSystem } from '@gatehouse/testing';

/**
 * Revocations, grant changes and tenant deletions reach the gateways and the other authorization
 * instances as core-NATS broadcasts, which a process cut off from NATS never receives. When its
 * connection comes back it must catch up (reload recent revocations, drop cached grants and decisions,
 * reload the live tenants) instead of honouring what it cached until a TTL or a token's expiry, which
 * for a revoked session is up to an hour. The missed changes are made the way a missed broadcast leaves
 * them: in the database only. A system of its own, with a private nats-server the test restarts.
 */
describe('catching up after a lost NATS connection', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'nats-reconnect',
      env: {
        MULTI_TENANCY_ENABLED: 'true',
        // Long enough that nothing in this test expires by itself.
        GATEWAY_DECISION_CACHE_TTL_MS: '60000',
        CREDENTIAL_CACHE_SECONDS: '300',
        RATE_LIMIT_PER_IP_PER_MINUTE: '0',
        RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0',
      },
    });
    system.useForFixtures();
    // The gateway started before identity was ready: its load of the recent revocations retries every 2 s.
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  it('a gateway and an authorization instance back on NATS refuse the revoked session and API token, the removed grant and the deleted tenant', async () => {
    const root = await superAdminToken();
    const [admin, otherAdmin, reader, leaver, bystander, tokenOwner] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createUser(root)));
    const apiToken = (await api().post('/api/v1/me/api-tokens').set(...bearer(tokenOwner.token)).send({ name: 'ci' }).expect(201)).body as { id: string; token: string };
    const tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const deletedTenant = (await createTenant(root, { adminUser: otherAdmin.username })).id;
    const role = await createRole(admin.token, tenant, { name: 'role-reader', permissions: { ROLE: ['READ'] } });
    await bindRole(root, tenant, { roleId: role.id, subjectId: reader.user.id });

    // Answered by authorization, not identity: only the gateway stands between a revoked session and it.
    const sessionStatus = async (token: string) => (await api().get(`/api/v1/${DEFAULT_TENANT_SEGMENT}/acls/permissions`).set(...bearer(token))).status;
    const readerStatus = async () => (await api().get(`/api/v1/${tenant}/roles`).set(...bearer(reader.token))).status;
    const deletedTenantStatus = async () => (await api().get(`/api/v1/${deletedTenant}/roles`).set(...bearer(otherAdmin.token))).status;
    const statuses = async () => ({
      leaver: await sessionStatus(leaver.token),
      apiToken: await sessionStatus(apiToken.token),
      reader: await readerStatus(),
      deletedTenant: await deletedTenantStatus(),
      bystander: await sessionStatus(bystander.token),
    });
    expect(await statuses()).toEqual({ leaver: 200, apiToken: 200, reader: 200, deletedTenant: 200, bystander: 200 });

    const db = new Client({ connectionString: system.database.url });
    await db.connect();
    try {
      await db.query(`UPDATE identity.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [leaver.user.id]);
      await db.query(`UPDATE identity.api_tokens SET revoked_at = now() WHERE id = $1`, [apiToken.id]);
      await db.query(`DELETE FROM "authorization".bindings WHERE subject_id = $1`, [reader.user.id]);
      await db.query(`UPDATE "authorization".live_tenants SET live = false, updated_at = now() WHERE tenant_key = $1`, [deletedTenant]);
    } finally {
      await db.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // Nobody heard of it: the gateway's caches and authorization's memory answer as before.
    expect(await statuses()).toEqual({ leaver: 200, apiToken: 200, reader: 200, deletedTenant: 200, bystander: 200 });

    await system.nats.restart();

    const expected = { leaver: 401, apiToken: 401, reader: 403, deletedTenant: 404, bystander: 200 };
    const deadline = Date.now() + 20_000;
    let seen = await statuses().catch(() => undefined);
    while (JSON.stringify(seen) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      seen = await statuses().catch(() => undefined);
    }
    expect(seen).toEqual(expected);
  }, 120_000);
});
