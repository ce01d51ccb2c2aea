import {
  api, errorFields, bearer, createUser, eventually, identityAudit, latestResetToken, login, loginPair, meStatus, superAdminSuite, unique,
} from '@gatehouse/testing';

describe('identity: user management', () => {
  const suite = superAdminSuite();


  it('updates names and, as a Super Admin, the email; audits the change and emits the subject facts', async () => {
    const user = await createUser(suite.admin, { firstName: 'Ada' });
    const newEmail = `${unique('renamed')}@gatehouse.test`;
    const updated = (await api().patch(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin)).send({ lastName: 'Lovelace', email: newEmail }).expect(200)).body;
    expect(updated).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', email: newEmail });
    expect((await api().get(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin)).expect(200)).body.email).toBe(newEmail);
    await login(newEmail, user.password);
    const audit = await eventually(async () => (await identityAudit(suite.db, user.user.id)).find((e) => e.type === 'UPDATE'));
    expect(audit).toMatchObject({ resourceType: 'USER', before: { lastName: null }, after: { lastName: 'Lovelace', email: newEmail } });
  });

  it('refuses an email already used (case-insensitively) with 409', async () => {
    const a = await createUser(suite.admin);
    const b = await createUser(suite.admin);
    await api().patch(`/api/v1/users/${b.user.id}`).set(...bearer(suite.admin)).send({ email: (a.user.email as string).toUpperCase() }).expect(409);
  });

  it('lets a Super Admin grant and revoke Super Admin; a plain user is denied user management', async () => {
    const user = await createUser(suite.admin);
    const granted = (await api().patch(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin)).send({ superAdmin: true }).expect(200)).body;
    expect(granted.superAdmin).toBe(true);
    const revoked = (await api().patch(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin)).send({ superAdmin: false }).expect(200)).body;
    expect(revoked.superAdmin).toBe(false);
    const plain = await createUser(suite.admin);
    await api().patch(`/api/v1/users/${user.user.id}`).set(...bearer(plain.token)).send({ superAdmin: true }).expect(403);
    await api().put(`/api/v1/users/${user.user.id}/password`).set(...bearer(plain.token)).send({ password: 'Another-Pass-99' }).expect(403);
    expect((await api().get(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin))).body.superAdmin).toBe(false);
  });

  it('disabling ends sessions and API tokens on the next request; enabling lets the user sign in again', async () => {
    const user = await createUser(suite.admin);
    const pair = await loginPair(user.username, user.password);
    const apiToken = (await api().post('/api/v1/me/api-tokens').set(...bearer(pair.accessToken)).send({ name: 'ci' }).expect(201)).body.token;
    expect(await meStatus(bearer(apiToken))).toBe(200);

    const disabled = (await api().post(`/api/v1/users/${user.user.id}/disable`).set(...bearer(suite.admin)).expect(200)).body;
    expect(disabled.status).toBe('DISABLED');
    expect(await meStatus(bearer(pair.accessToken))).toBe(401);
    expect(await meStatus(bearer(apiToken))).toBe(401);
    await api().post('/api/v1/token/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
    const refused = await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(401);
    expect(refused.body.detail).toMatch(/disabled/);

    await api().post(`/api/v1/users/${user.user.id}/enable`).set(...bearer(suite.admin)).expect(200);
    const again = await login(user.username, user.password);
    expect(await meStatus(bearer(again))).toBe(200);
    // Disabling revoked the API token for good.
    expect(await meStatus(bearer(apiToken))).toBe(401);
  });

  it('deleting a user ends their session at once and removes them', async () => {
    const user = await createUser(suite.admin);
    await api().delete(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin)).expect(204);
    expect(await meStatus(bearer(user.token))).toBe(401);
    await api().get(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin)).expect(404);
    await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(401);
    const audit = await eventually(async () => (await identityAudit(suite.db, user.user.id)).find((e) => e.type === 'DELETE'));
    expect(audit).toMatchObject({ resourceType: 'USER', after: null });
    const { rows } = await suite.db.query(
      `SELECT envelope->'data' AS facts FROM identity.outbox WHERE subject = 'events.identity.subject.changed.v1'
       AND envelope->'data'->>'id' = $1 ORDER BY seq DESC LIMIT 1`,
      [user.user.id],
    );
    expect(rows[0].facts).toMatchObject({ disabled: true });
  });

  it('protects the last Super Admin', async () => {
    const me = (await api().get('/api/v1/me').set(...bearer(suite.admin)).expect(200)).body;
    const others = (await api().get('/api/v1/users?size=500').set(...bearer(suite.admin))).body.results.filter(
      (u: { superAdmin: boolean; status: string; id: string }) => u.superAdmin && u.status === 'ACTIVE' && u.id !== me.id,
    );
    if (others.length === 0) {
      await api().post(`/api/v1/users/${me.id}/disable`).set(...bearer(suite.admin)).expect(409);
      await api().delete(`/api/v1/users/${me.id}`).set(...bearer(suite.admin)).expect(409);
    }
    expect(await meStatus(bearer(suite.admin))).toBe(200);
  });

  it('emits userCreated on creation', async () => {
    const user = await createUser(suite.admin);
    const { rows } = await suite.db.query(
      `SELECT envelope->'data' AS data FROM identity.outbox WHERE subject = 'events.identity.user.created.v1' AND envelope->'data'->>'userId' = $1`,
      [user.user.id],
    );
    expect(rows[0].data).toMatchObject({ username: user.username, email: user.user.email });
  });

  it('admin-requested reset: login answers password-change-required until the emailed link is used', async () => {
    const user = await createUser(suite.admin);
    const result = (await api().post(`/api/v1/users/${user.user.id}/password-reset`).set(...bearer(suite.admin)).expect(200)).body;
    expect(result).toEqual({ requested: 1 });
    const refused = await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(403);
    expect(refused.body.type).toMatch(/password-change-required$/);
    expect((await api().get(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin))).body.passwordChangeRequired).toBe(true);

    const token = await latestResetToken(suite.db, user.user.id, 'ADMIN_REQUEST');
    const { rows } = await suite.db.query(
      `SELECT envelope->'data'->>'requestedBy' AS by FROM identity.outbox
        WHERE subject = 'events.identity.password-reset.requested.v1' AND envelope->'data'->>'userId' = $1`,
      [user.user.id],
    );
    expect(rows.map((r) => r.by)).toEqual(['root@gatehouse.test']);
    await api().post('/api/v1/reset-password').send({ token, password: 'Brand-New-Pass-77' }).expect(204);
    await login(user.username, 'Brand-New-Pass-77');
    expect((await api().get(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin))).body.passwordChangeRequired).toBe(false);
  });

  it('a Super Admin sets a password; the user’s sessions end', async () => {
    const user = await createUser(suite.admin);
    await api().put(`/api/v1/users/${user.user.id}/password`).set(...bearer(suite.admin)).send({ password: 'Set-By-Admin-42' }).expect(204);
    expect(await meStatus(bearer(user.token))).toBe(401);
    await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(401);
    await login(user.username, 'Set-By-Admin-42');
  });

  it('profile: GET/PATCH /me changes own names only', async () => {
    const user = await createUser(suite.admin);
    const me = (await api().patch('/api/v1/me').set(...bearer(user.token)).send({ firstName: 'Grace', lastName: 'Hopper' }).expect(200)).body;
    expect(me).toMatchObject({ id: user.user.id, firstName: 'Grace', lastName: 'Hopper' });
    const bad = await api().patch('/api/v1/me').set(...bearer(user.token)).send({ email: 'x@y.test' }).expect(400);
    expect(errorFields(bad)).toContain('email');
    const superFlag = await api().patch('/api/v1/me').set(...bearer(user.token)).send({ superAdmin: true }).expect(400);
    expect(errorFields(superFlag)).toContain('superAdmin');
    await api().patch('/api/v1/me').send({ firstName: 'x' }).expect(401);
  });

  it('rejects bad input on user endpoints with 400 naming the field, and writes nothing', async () => {
    const user = await createUser(suite.admin, { firstName: 'Keep' });
    const id = user.user.id;
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['patch', `/api/v1/users/${id}`, { firstName: 'x'.repeat(101) }, 'firstName'],
      ['patch', `/api/v1/users/${id}`, { firstName: 5 }, 'firstName'],
      ['patch', `/api/v1/users/${id}`, { email: 'not-an-email' }, 'email'],
      ['patch', `/api/v1/users/${id}`, { superAdmin: 'yes' }, 'superAdmin'],
      ['patch', `/api/v1/users/${id}`, { nickname: 'x' }, 'nickname'],
      ['patch', '/api/v1/users/not-a-uuid', { firstName: 'x' }, 'id'],
      ['put', `/api/v1/users/${id}/password`, {}, 'password'],
      ['put', `/api/v1/users/${id}/password`, { password: 'short' }, 'password'],
      ['put', `/api/v1/users/${id}/password`, { password: 'Long-Enough-1', extra: true }, 'extra'],
      ['post', `/api/v1/users/${id}/disable`, { reason: 'x' }, 'reason'],
      ['post', '/api/v1/users', { username: 'has space', password: 'Long-Enough-1', email: 'a@b.test' }, 'username'],
      ['post', '/api/v1/users', { username: `${unique('u')}`, password: 'Long-Enough-1' }, 'email'],
      ['post', '/api/v1/users', { username: `${unique('u')}@x.test`, password: 'password' }, 'password'],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await (api() as unknown as Record<string, (p: string) => ReturnType<ReturnType<typeof api>['get']>>)[method](path).set(...bearer(suite.admin)).send(body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status: 400 });
      expect(errorFields(response)).toContain(field);
    }
    const after = (await api().get(`/api/v1/users/${id}`).set(...bearer(suite.admin)).expect(200)).body;
    expect(after).toMatchObject({ firstName: 'Keep', status: 'ACTIVE', superAdmin: false, email: user.user.email });
    await login(user.username, user.password);
  });
});
