import { DEFAULT_TENANT_SEGMENT } from '@gatehouse/contracts';
import { api, bearer, createUser, superAdminToken, testDb, TestSystem } from '@gatehouse/testing';

/**
 * identity tells every gateway about a revoked session after the commit. When the instance is killed in
 * between, the session is revoked in the database but the gateways still accept its access tokens: the
 * replacement instance's start must end that (not the access token's expiry, minutes later).
 */
describe('identity instance restart', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'identity-restart',
      // No periodic reload of the revocations: only the replacement's start may end the session here.
      env: { RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0', REVOCATIONS_RELOAD_SECONDS: '0' },
    });
    system.useForFixtures();
    // The gateway started before identity was ready: its load of the recent revocations retries every 2 s.
    // Let it finish first, or it would pick up the revocation below by itself.
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  it('a starting instance broadcasts recent revocations again, so a logout whose broadcast died with its instance still ends the session', async () => {
    const root = await superAdminToken();
    const [user, bystander] = [await createUser(root), await createUser(root)];
    // Answered by authorization, not identity: only the gateway stands between a revoked session and it.
    const statusOf = async (token: string) => (await api().get(`/api/v1/${DEFAULT_TENANT_SEGMENT}/acls/permissions`).set(...bearer(token))).status;
    const me = () => statusOf(user.token);
    expect(await me()).toBe(200);

    // Revoked the way a kill between commit and broadcast leaves it: in the database only.
    const db = await testDb(system);
    try {
      await db.query(`UPDATE identity.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [user.user.id]);
    } finally {
      await db.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await me()).toBe(200); // no gateway heard of it

    const [victim] = system.instancesOf('identity');
    await system.kill(victim);
    await system.addInstance('identity');
    const deadline = Date.now() + 5000;
    let status = await me();
    while (status !== 401 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await me();
    }
    expect(status).toBe(401);
    expect(await statusOf(bystander.token)).toBe(200); // other sessions go on
  }, 120_000);
});
