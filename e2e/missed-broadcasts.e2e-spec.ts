import { DEFAULT_TENANT_SEGMENT } from '@gatehouse/contracts';
import { api, bearer, bindRole, createRole, createTenant, createUser, superAdminToken, TestSystem, withTestDb } from '@gatehouse/testing';

/** A multi-tenant system without rate limits, whose gateway has loaded the recent revocations once. */
async function startSystem(name: string, env: Record<string, string>): Promise<TestSystem> {
  const system = await TestSystem.start({
    name,
    env: { MULTI_TENANCY_ENABLED: 'true', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0', ...env },
  });
  system.useForFixtures();
  // The gateway started before identity was ready: its load of the recent revocations retries every 2 s.
  // It must be over, or it would pick up the revocations below by itself.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return system;
}

/** Changes made the way a missed broadcast leaves them: in the database only. */
const changeInDatabaseOnly = (system: TestSystem, statements: Array<[string, unknown[]]>) =>
  withTestDb(async (db) => {
    for (const [sql, values] of statements) await db.query(sql, values);
  }, system);

/** `read()` until it answers `expected` or `ms` have passed; its last answer (undefined if it threw). */
async function eventually<T>(read: () => Promise<T>, expected: T, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  let seen = await read().catch(() => undefined);
  while (JSON.stringify(seen) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    seen = await read().catch(() => undefined);
  }
  return seen;
}

const REVOKE_SESSIONS = `UPDATE identity.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`;
const END_TENANT = `UPDATE "authorization".live_tenants SET live = false, updated_at = now() WHERE tenant_key = $1`;

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
    // Long enough that nothing in this test expires or is reconciled by itself.
    system = await startSystem('nats-reconnect', {
      GATEWAY_DECISION_CACHE_TTL_MS: '60000',
      CREDENTIAL_CACHE_SECONDS: '300',
      REVOCATIONS_RELOAD_SECONDS: '0',
      LIVE_TENANTS_RELOAD_SECONDS: '0',
    });
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

    await changeInDatabaseOnly(system, [
      [REVOKE_SESSIONS, [leaver.user.id]],
      [`UPDATE identity.api_tokens SET revoked_at = now() WHERE id = $1`, [apiToken.id]],
      [`DELETE FROM "authorization".bindings WHERE subject_id = $1`, [reader.user.id]],
      [END_TENANT, [deletedTenant]],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // Nobody heard of it: the gateway's caches and authorization's memory answer as before.
    expect(await statuses()).toEqual({ leaver: 200, apiToken: 200, reader: 200, deletedTenant: 200, bystander: 200 });

    await system.nats.restart();

    const expected = { leaver: 401, apiToken: 401, reader: 403, deletedTenant: 404, bystander: 200 };
    expect(await eventually(statuses, expected, 20_000)).toEqual(expected);
  }, 120_000);
});

/**
 * A change committed by an instance killed before its broadcast, and never replaced (so no start-up
 * re-broadcast either): the gateway re-reads the recent revocations and authorization the live tenants
 * periodically (REVOCATIONS_RELOAD_SECONDS, LIVE_TENANTS_RELOAD_SECONDS; 1 s here, 30 s and 60 s by
 * default), so the staleness is bounded instead of lasting until a token expires or a restart.
 */
describe('periodic reconciliation of broadcast state', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem('reconcile', { REVOCATIONS_RELOAD_SECONDS: '1', LIVE_TENANTS_RELOAD_SECONDS: '1' });
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  it('a revoked session and a deleted tenant known only to the database are refused within seconds', async () => {
    const root = await superAdminToken();
    const [leaver, bystander, tenantAdmin] = await Promise.all([1, 2, 3].map(() => createUser(root)));
    const tenant = (await createTenant(root, { adminUser: tenantAdmin.username })).id;
    const sessionStatus = async (token: string) => (await api().get(`/api/v1/${DEFAULT_TENANT_SEGMENT}/acls/permissions`).set(...bearer(token))).status;
    const statuses = async () => ({
      leaver: await sessionStatus(leaver.token),
      tenant: (await api().get(`/api/v1/${tenant}/roles`).set(...bearer(tenantAdmin.token))).status,
      bystander: await sessionStatus(bystander.token),
    });
    expect(await statuses()).toEqual({ leaver: 200, tenant: 200, bystander: 200 });

    await changeInDatabaseOnly(system, [
      [REVOKE_SESSIONS, [leaver.user.id]],
      [END_TENANT, [tenant]],
    ]);

    const expected = { leaver: 401, tenant: 404, bystander: 200 };
    // Reload interval (1 s) plus the gateway's decision cache (3 s) with room to spare.
    expect(await eventually(statuses, expected, 10_000)).toEqual(expected);
  }, 60_000);

  it('still refuses a missed revocation when there are more recent revocations than one NATS message holds', async () => {
    const root = await superAdminToken();
    const leaver = await createUser(root);
    const sessionStatus = async () => (await api().get(`/api/v1/${DEFAULT_TENANT_SEGMENT}/acls/permissions`).set(...bearer(leaver.token))).status;
    expect(await sessionStatus()).toBe(200);
    // 25,000 sessions revoked within the access-token lifetime (~1.4 MB as one list; NATS carries 1 MB per
    // message), all sorting before the leaver's, whose revocation is the one the gateway missed.
    await changeInDatabaseOnly(system, [
      [
        `INSERT INTO identity.refresh_tokens (family_id, user_id, token_hash, expires_at, revoked_at)
         SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, $1, 'bulk-revoked-' || i, now() + interval '1 day', now()
         FROM generate_series(1, 25000) AS i`,
        [leaver.user.id],
      ],
      [`UPDATE identity.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [leaver.user.id]],
    ]);
    expect(await eventually(sessionStatus, 401, 15_000)).toBe(401);
  }, 60_000);
});
