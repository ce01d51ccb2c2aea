import { basic, identityAudit, latestResetToken, testDb, TestDbClient, TestSystem, unique } from '@gatehouse/testing';
import request from 'supertest';

/**
 * Login protection with short windows, on a system of its own so its per-IP throttling (every test
 * client is 127.0.0.1) cannot disturb the other suites: 3 failures lock for 2 s, 12 failures per
 * address throttle it.
 */
describe('identity: lockout and per-IP throttling', () => {
  let system: TestSystem;
  let db: TestDbClient;
  let adminToken: string;
  const http = () => request(system.gatewayUrl);
  const admin = { username: 'root@protection.test', password: 'Correct-Horse-42' };

  async function newUser(): Promise<{ id: string; username: string; password: string }> {
    const username = `${unique('p')}@protection.test`;
    const password = 'Protected-Pass-1';
    const created = await http().post('/api/v1/users').set('authorization', `Bearer ${adminToken}`).send({ username, password, emailVerified: true }).expect(201);
    return { id: created.body.id, username, password };
  }
  const attempt = (username: string, password: string) => http().post('/api/v1/login').send({ username, password });
  /** The console's sign-in (a browser session): protected exactly like /api/v1/login. */
  const browserSignIn = (username: string, password: string) => http().post('/api/v1/session').set('x-gatehouse-csrf', '1').send({ username, password });

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'identity-protection',
      env: { LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '2', LOGIN_IP_MAX_FAILURES: '12', LOGIN_FAILURE_WINDOW_SECONDS: '60' },
    });
    db = await testDb(system);
    await http().post('/api/v1/setup').send(admin).expect(201);
    adminToken = (await attempt(admin.username, admin.password).expect(200)).body.accessToken;
  }, 90_000);

  afterAll(async () => {
    await db?.end();
    await system?.stop();
  });

  it('locks after the configured failures, refuses even the right password while locked (the console sign-in too), and unlocks by waiting', async () => {
    const user = await newUser();
    for (let i = 0; i < 3; i++) await attempt(user.username, 'wrong-password').expect(401);
    // While locked, the right password gets exactly the answer of an unknown account or a wrong password.
    const locked = await attempt(user.username, user.password);
    const unknown = await attempt(`${unique('ghost')}@protection.test`, user.password);
    const wrong = await attempt(user.username, 'wrong-password');
    const lockedBrowser = await browserSignIn(user.username, user.password);
    expect(lockedBrowser.headers['set-cookie']).toBeUndefined();
    for (const response of [locked, unknown, wrong, lockedBrowser]) {
      expect({ status: response.status, body: response.body, retryAfter: response.headers['retry-after'] })
        .toEqual({ status: 401, body: unknown.body, retryAfter: undefined });
    }
    // The lockout and the refused attempt while locked are audited as such.
    const audited = (await identityAudit(db, user.id)).map((e) => ({ type: e.type, reason: (e.details as { reason?: string } | undefined)?.reason ?? null }));
    expect(audited).toEqual(expect.arrayContaining([{ type: 'ACCOUNT_LOCKED', reason: null }, { type: 'LOGIN_FAILURE', reason: 'locked' }]));
    await new Promise((r) => setTimeout(r, 2200));
    await attempt(user.username, user.password).expect(200);
  });

  it('a success resets the count', async () => {
    const user = await newUser();
    await attempt(user.username, 'wrong-password').expect(401);
    await attempt(user.username, 'wrong-password').expect(401);
    await attempt(user.username, user.password).expect(200);
    await attempt(user.username, 'wrong-password').expect(401);
    await attempt(user.username, user.password).expect(200);
  });

  it('a completed password reset unlocks the account', async () => {
    const user = await newUser();
    for (let i = 0; i < 3; i++) await attempt(user.username, 'wrong-password').expect(401);
    await attempt(user.username, user.password).expect(401);
    await http().post('/api/v1/forgotten-password').send({ email: user.username }).expect(204);
    const token = await latestResetToken(db, user.id, 'FORGOTTEN_PASSWORD');
    await http().post('/api/v1/reset-password').send({ token, password: 'After-Reset-Pass-1' }).expect(204);
    await attempt(user.username, 'After-Reset-Pass-1').expect(200);
  });

  it('throttles an address after too many failures, across accounts, for Basic auth and the console sign-in (429)', async () => {
    const victim = await newUser();
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM identity.login_failures WHERE ip IS NOT NULL`);
    for (let i = rows[0].n; i < 12; i++) {
      await attempt(`${unique('ghost')}@protection.test`, 'wrong-password').expect(401);
    }
    const throttled = await attempt(victim.username, victim.password).expect(429);
    expect(throttled.body.type).toMatch(/too-many-attempts$/);
    const viaBasic = await http().get('/api/v1/me').set(...basic(victim.username, victim.password));
    expect(viaBasic.status).toBe(429);
    const keyed = await attempt(victim.username, victim.password).set('idempotency-key', unique('login'));
    expect(keyed.status).toBe(429);
    const viaBrowser = await browserSignIn(victim.username, victim.password);
    expect([viaBrowser.status, viaBrowser.body.type, viaBrowser.headers['set-cookie']]).toEqual([429, throttled.body.type, undefined]);
    // Each says when to come back: when the oldest failures that make the count leave the 60 s window.
    for (const response of [throttled, viaBasic, keyed, viaBrowser]) {
      const retryAfter = Number(response.headers['retry-after']);
      expect({ retryAfter, inRange: retryAfter >= 1 && retryAfter <= 60 }).toEqual({ retryAfter: expect.any(Number), inRange: true });
    }
  });
});
