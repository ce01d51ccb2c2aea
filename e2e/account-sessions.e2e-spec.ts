import {
  api, bearer, createGroup, createTenant, createUser, eventually, identityAudit, login, loginPair, meStatus, rolesByName, bindRole,
  superAdminSuite, TestUser, unique,
} from '@gatehouse/testing';

const sidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid;
const signInAs = (user: TestUser, userAgent: string) =>
  api().post('/api/v1/login').set('user-agent', userAgent).send({ username: user.username, password: user.password }).expect(200)
    .then((r) => r.body as { accessToken: string; refreshToken: string });

/**
 * Sessions a user sees and ends (GET/DELETE /api/v1/me/sessions), an admin's view of a user's sessions
 * within the tenant boundary, and a password change ending the other sessions (docs/accounts.md).
 */
describe('accounts: sessions you can see and end', () => {
  const suite = superAdminSuite();

  it('lists own sessions with device, address, times and the current one; a refresh updates the device and last use', async () => {
    const user = await createUser(suite.admin);
    const laptop = await signInAs(user, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0');
    const phone = await signInAs(user, 'Mozilla/5.0 (iPhone) Safari/604.1');
    // The console's cookie session records its device on refresh too.
    const browser = await api().post('/api/v1/session').set('x-gatehouse-csrf', '1').set('user-agent', 'Console-Browser/1')
      .send({ username: user.username, password: user.password }).expect(200);
    const cookie = String(browser.headers['set-cookie']).split(';')[0];
    await api().post('/api/v1/session/refresh').set('x-gatehouse-csrf', '1').set('cookie', cookie).set('user-agent', 'Console-Browser/2').expect(200);
    await api().post('/api/v1/token/refresh').set('user-agent', 'Safari/605').send({ refreshToken: phone.refreshToken }).expect(200);

    const list = await api().get('/api/v1/me/sessions').set(...bearer(laptop.accessToken)).expect(200);
    const byId = Object.fromEntries(list.body.results.map((s: { id: string }) => [s.id, s]));
    expect(byId[sidOf(laptop.accessToken)]).toMatchObject({ userAgent: expect.stringContaining('Firefox'), current: true, ip: expect.any(String) });
    expect(byId[sidOf(phone.accessToken)]).toMatchObject({ userAgent: 'Safari/605', current: false });
    expect(byId[sidOf(browser.body.accessToken)]).toMatchObject({ userAgent: 'Console-Browser/2', current: false });
    expect(Date.parse(byId[sidOf(phone.accessToken)].lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(byId[sidOf(phone.accessToken)].createdAt));
    // createUser signed in once too
    expect(list.body.total).toBe(4);
  });

  it("ends one session: its access token is refused on the very next request through the gateway, and it is audited", async () => {
    const user = await createUser(suite.admin);
    const mine = await loginPair(user.username, user.password);
    const other = await loginPair(user.username, user.password);
    expect(await meStatus(bearer(other.accessToken))).toBe(200);
    await api().delete(`/api/v1/me/sessions/${sidOf(other.accessToken)}`).set(...bearer(mine.accessToken)).expect(204);
    expect(await meStatus(bearer(other.accessToken))).toBe(401);
    await api().post('/api/v1/token/refresh').send({ refreshToken: other.refreshToken }).expect(401);
    expect(await meStatus(bearer(mine.accessToken))).toBe(200);
    await api().delete(`/api/v1/me/sessions/${sidOf(other.accessToken)}`).set(...bearer(mine.accessToken)).expect(404);
    const ended = await api().delete('/api/v1/me/sessions/not-a-uuid').set(...bearer(mine.accessToken)).expect(400);
    expect(ended.headers['content-type']).toContain('application/problem+json');
    expect(ended.body.errors).toEqual([expect.objectContaining({ field: 'sessionId' })]);
    const audit = await eventually(async () => (await identityAudit(suite.db, user.user.id)).find((e) => (e.details as { action?: string })?.action === 'end-own-sessions'));
    expect(audit).toMatchObject({ type: 'LOGOUT', details: { sessionIds: [sidOf(other.accessToken)] } });
  });

  it('ends every other session and keeps the current one', async () => {
    const user = await createUser(suite.admin);
    const current = await loginPair(user.username, user.password);
    const others = [await loginPair(user.username, user.password), await loginPair(user.username, user.password)];
    const result = await api().delete('/api/v1/me/sessions').set(...bearer(current.accessToken)).expect(200);
    expect(result.body).toEqual({ ended: 3 }); // two here and createUser's
    for (const other of others) expect(await meStatus(bearer(other.accessToken))).toBe(401);
    expect(await meStatus(bearer(current.accessToken))).toBe(200);
    const left = await api().get('/api/v1/me/sessions').set(...bearer(current.accessToken)).expect(200);
    expect(left.body.results.map((s: { id: string }) => s.id)).toEqual([sidOf(current.accessToken)]);
  });

  it('a password change ends the other sessions by default, keeping the current one', async () => {
    const user = await createUser(suite.admin);
    const current = await loginPair(user.username, user.password);
    const other = await loginPair(user.username, user.password);
    await api().put('/api/v1/me/password').set(...bearer(current.accessToken)).send({ oldPassword: user.password, newPassword: 'Fresh-Password-2' }).expect(204);
    expect(await meStatus(bearer(other.accessToken))).toBe(401);
    expect(await meStatus(bearer(current.accessToken))).toBe(200);
  });

  describe('an admin on a user', () => {
    let tenantA: string;
    let adminA: TestUser;

    beforeAll(async () => {
      adminA = await createUser(suite.admin);
      tenantA = (await createTenant(suite.admin, { id: unique('sess').slice(0, 40), adminUser: adminA.username })).id;
      adminA.token = await login(adminA.username, adminA.password);
    });

    const joinA = async (user: TestUser) => {
      const viewer = (await rolesByName(suite.admin, tenantA)).Viewer;
      await bindRole(suite.admin, tenantA, { roleId: viewer.id, subjectId: user.user.id });
    };

    it("a tenant Admin lists and ends the sessions of a user within its reach; the ended session's token is refused", async () => {
      const local = await createUser(suite.admin);
      await joinA(local);
      const list = await api().get(`/api/v1/${tenantA}/users/${local.user.id}/sessions`).set(...bearer(adminA.token)).expect(200);
      expect(list.body.results).toEqual([expect.objectContaining({ id: sidOf(local.token), current: false })]);
      await api().delete(`/api/v1/${tenantA}/users/${local.user.id}/sessions/${sidOf(local.token)}`).set(...bearer(adminA.token)).expect(204);
      expect(await meStatus(bearer(local.token))).toBe(401);
      const audit = await eventually(async () => (await identityAudit(suite.db, local.user.id)).find((e) => (e.details as { action?: string })?.action === 'end-user-sessions'));
      expect(audit).toMatchObject({ tenantId: tenantA, actor: expect.objectContaining({ id: adminA.user.id }) });
    });

    it('a tenant Admin cannot list the sessions of a user outside its reach', async () => {
      const elsewhere = await createUser(suite.admin);
      await joinA(elsewhere);
      const tenantB = (await createTenant(suite.admin, { id: unique('sessb').slice(0, 40) })).id;
      await createGroup(suite.admin, tenantB, unique('b-members'), [elsewhere.user.id]);
      const refused = await api().get(`/api/v1/${tenantA}/users/${elsewhere.user.id}/sessions`).set(...bearer(adminA.token)).expect(403);
      expect(refused.body).toMatchObject({ rule: 'tenant-boundary' });
      await api().delete(`/api/v1/${tenantA}/users/${elsewhere.user.id}/sessions`).set(...bearer(adminA.token)).expect(403);
      expect(await meStatus(bearer(elsewhere.token))).toBe(200);
      const outsider = await createUser(suite.admin);
      await api().get(`/api/v1/${tenantA}/users/${outsider.user.id}/sessions`).set(...bearer(adminA.token)).expect(404);
      // Instance-level user management is not a tenant Admin's.
      expect((await api().get(`/api/v1/users/${outsider.user.id}/sessions`).set(...bearer(adminA.token)).expect(403)).body.permission).toBe('USER');
      // The Super Admin reaches everyone.
      const all = await api().delete(`/api/v1/users/${elsewhere.user.id}/sessions`).set(...bearer(suite.admin)).expect(200);
      expect(all.body.ended).toBeGreaterThanOrEqual(1);
      expect(await meStatus(bearer(elsewhere.token))).toBe(401);
    });
  });
});
