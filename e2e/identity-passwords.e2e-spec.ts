import { createHash } from 'node:crypto';
import {
  api, errorFields, bearer, createUser, identityAudit, latestResetToken, login, loginPair, meStatus, superAdminSuite, unique,
} from '@gatehouse/testing';

describe('identity: password flows', () => {
  const suite = superAdminSuite();

  const resetRows = async (userId: string) =>
    (await suite.db.query(`SELECT count(*)::int AS n FROM identity.password_reset_tokens WHERE user_id = $1`, [userId])).rows[0].n as number;

  it('changes the own password: wrong old password and weak new ones are refused; other sessions can be ended', async () => {
    const user = await createUser(suite.admin);
    const current = await loginPair(user.username, user.password);
    const other = await loginPair(user.username, user.password);

    const wrong = await api().put('/api/v1/me/password').set(...bearer(current.accessToken))
      .send({ oldPassword: 'not-it', newPassword: 'Fresh-Password-1' }).expect(400);
    expect(errorFields(wrong)).toContain('oldPassword');
    const weak = await api().put('/api/v1/me/password').set(...bearer(current.accessToken))
      .send({ oldPassword: user.password, newPassword: 'password' }).expect(400);
    expect(errorFields(weak)).toContain('newPassword');
    await login(user.username, user.password);

    await api().put('/api/v1/me/password').set(...bearer(current.accessToken))
      .send({ oldPassword: user.password, newPassword: 'Fresh-Password-1', endOtherSessions: true }).expect(204);
    expect(await meStatus(bearer(current.accessToken))).toBe(200);
    expect(await meStatus(bearer(other.accessToken))).toBe(401);
    await api().post('/api/v1/token/refresh').send({ refreshToken: other.refreshToken }).expect(401);
    await api().post('/api/v1/token/refresh').send({ refreshToken: current.refreshToken }).expect(200);
    await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(401);
    await login(user.username, 'Fresh-Password-1');
  });

  it('forgotten-password answers 204 alike for known and unknown emails, in about the same time', async () => {
    const user = await createUser(suite.admin);
    const timings = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 4; i++) {
      for (const kind of ['known', 'unknown'] as const) {
        const email = kind === 'known' ? user.user.email : `${unique('ghost')}@gatehouse.test`;
        const started = performance.now();
        const response = await api().post('/api/v1/forgotten-password').send({ email });
        timings[kind].push(performance.now() - started);
        expect(response.status).toBe(204);
        expect(response.text).toBe('');
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    expect(Math.abs(median(timings.known) - median(timings.unknown))).toBeLessThan(100);
    expect(await resetRows(user.user.id)).toBe(4);
  });

  it('resets with the emailed token once; the token is 256 bits, stored hashed; sessions end and lockout clears', async () => {
    const user = await createUser(suite.admin);
    await api().post('/api/v1/forgotten-password').send({ email: (user.user.email as string).toUpperCase() }).expect(204);
    const token = await latestResetToken(suite.db, user.user.id, 'FORGOTTEN_PASSWORD');
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const { rows } = await suite.db.query(`SELECT token_hash FROM identity.password_reset_tokens WHERE user_id = $1`, [user.user.id]);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);

    const weak = await api().post('/api/v1/reset-password').send({ token, password: 'short' }).expect(400);
    expect(errorFields(weak)).toContain('password');
    await api().post('/api/v1/reset-password').send({ token, password: 'Recovered-Pass-9' }).expect(204);
    expect(await meStatus(bearer(user.token))).toBe(401);
    await login(user.username, 'Recovered-Pass-9');

    const used = await api().post('/api/v1/reset-password').send({ token, password: 'Another-Pass-99' }).expect(400);
    expect(used.body.type).toMatch(/invalid-reset-token$/);
    await login(user.username, 'Recovered-Pass-9');
    const audit = await identityAudit(suite.db, user.user.id);
    expect(audit.some((e) => (e.details as { action?: string })?.action === 'reset-password')).toBe(true);
  });

  it('refuses forged and expired reset tokens', async () => {
    const user = await createUser(suite.admin);
    const forged = await api().post('/api/v1/reset-password').send({ token: 'A'.repeat(43), password: 'Forged-Pass-123' }).expect(400);
    expect(forged.body.type).toMatch(/invalid-reset-token$/);

    await api().post('/api/v1/forgotten-password').send({ email: user.user.email }).expect(204);
    const token = await latestResetToken(suite.db, user.user.id, 'FORGOTTEN_PASSWORD');
    // Time travel: the link's 30 minutes are over.
    await suite.db.query(`UPDATE identity.password_reset_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.user.id]);
    const expired = await api().post('/api/v1/reset-password').send({ token, password: 'Expired-Pass-123' }).expect(400);
    expect(expired.body.type).toMatch(/invalid-reset-token$/);
    await login(user.username, user.password);
  });

  it('rejects bad input on password endpoints with 400 naming the field', async () => {
    const user = await createUser(suite.admin);
    const cases: Array<[string, string, Record<string, unknown>, string, boolean]> = [
      ['put', '/api/v1/me/password', { newPassword: 'Valid-Password-1' }, 'oldPassword', true],
      ['put', '/api/v1/me/password', { oldPassword: user.password, newPassword: 'Valid-Password-1', endOtherSessions: 'yes' }, 'endOtherSessions', true],
      ['put', '/api/v1/me/password', { oldPassword: user.password, newPassword: 'x'.repeat(1025) }, 'newPassword', true],
      ['put', '/api/v1/me/password', { oldPassword: user.password, newPassword: 'Valid-Password-1', extra: 1 }, 'extra', true],
      ['post', '/api/v1/forgotten-password', {}, 'email', false],
      ['post', '/api/v1/forgotten-password', { email: 'nope' }, 'email', false],
      ['post', '/api/v1/forgotten-password', { email: `${'a'.repeat(250)}@x.test` }, 'email', false],
      ['post', '/api/v1/forgotten-password', { email: user.user.email, username: 'x' }, 'username', false],
      ['post', '/api/v1/reset-password', { password: 'Valid-Password-1' }, 'token', false],
      ['post', '/api/v1/reset-password', { token: 't'.repeat(513), password: 'Valid-Password-1' }, 'token', false],
      ['post', '/api/v1/reset-password', { token: 'abc', password: 12345678 }, 'password', false],
      ['post', '/api/v1/validate-password', { password: 1 }, 'password', false],
    ];
    for (const [method, path, body, field, auth] of cases) {
      let req = (api() as unknown as Record<string, (p: string) => ReturnType<ReturnType<typeof api>['get']>>)[method](path);
      if (auth) req = req.set(...bearer(user.token));
      const response = await req.send(body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status: 400 });
      expect(errorFields(response)).toContain(field);
    }
    expect(await resetRows(user.user.id)).toBe(0);
    await login(user.username, user.password);
  });
});
