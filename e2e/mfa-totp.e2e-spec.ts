import { MFA_PROBLEMS } from '@gatehouse/contracts';
import { api, basic, bearer, createUser, eventually, identityAudit, superAdminSuite, TestUser } from '@gatehouse/testing';
import { generateSync } from 'otplib';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
/** The code of the step `offset` steps from now, computed by the test from the secret (RFC 6238). */
function totp(secret: string, offset = 0): string {
  const now = Math.floor(Date.now() / 1000);
  return generateSync({ secret, epoch: now - (now % 30) + offset * 30 + 1 });
}
const csrf: [string, string] = ['x-gatehouse-csrf', '1'];
const typeOf = (body: { type?: string }) => body.type?.split('/').pop();

/**
 * TOTP and recovery codes through the gateway: enrolment with its QR code, the two-step sign-in of
 * /api/v1/login and of the console's /api/v1/session, replay refused, recovery codes single-use, Basic
 * refused, and wrong second factors counted towards the lockout.
 */
describe('MFA: TOTP and recovery codes', () => {
  const suite = superAdminSuite();

  async function enrolledUser(): Promise<TestUser & { secret: string; recoveryCodes: string[]; confirmedWith: string }> {
    const user = await createUser(suite.admin);
    const enrolment = await api().post('/api/v1/me/mfa/totp').set(...bearer(user.token)).expect(201);
    expect(enrolment.body).toMatchObject({ secret: expect.stringMatching(/^[A-Z2-7]+$/), otpauthUri: expect.stringMatching(/^otpauth:\/\/totp\//) });
    expect(enrolment.body.qrCode).toMatch(/^data:image\/png;base64,/);
    const confirmedWith = totp(enrolment.body.secret);
    const confirmed = await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(user.token)).send({ code: confirmedWith }).expect(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    return { ...user, secret: enrolment.body.secret, recoveryCodes: confirmed.body.recoveryCodes, confirmedWith };
  }

  async function passwordStep(user: TestUser, path = '/api/v1/login') {
    const response = await api().post(path).set(...csrf).send({ username: user.username, password: user.password }).expect(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(typeOf(response.body)).toBe(MFA_PROBLEMS.mfaRequired);
    expect(response.headers['set-cookie']).toBeUndefined();
    return response.body as { mfaToken: string; factors: string[]; expiresIn: number };
  }

  it('enrols an authenticator app, then asks for its code at sign-in; amr says pwd+otp+mfa; a replayed code is refused', async () => {
    const user = await enrolledUser();
    const mine = await api().get('/api/v1/me/mfa').set(...bearer(user.token)).expect(200);
    expect(mine.body).toMatchObject({ enabled: true, totp: { confirmed: true }, recoveryCodes: { remaining: 10 } });
    expect(JSON.stringify(mine.body)).not.toContain(user.secret);

    const step = await passwordStep(user);
    expect(step.factors).toEqual(['totp', 'recovery-code']);
    // The code of the confirmation never works again.
    const replay = await api().post('/api/v1/login/mfa').send({ mfaToken: step.mfaToken, code: user.confirmedWith }).expect(401);
    expect(typeOf(replay.body)).toBe(MFA_PROBLEMS.invalidSecondFactor);
    expect(replay.body.errors).toEqual([expect.objectContaining({ field: 'code' })]);
    const next = totp(user.secret, 1);
    const pair = (await api().post('/api/v1/login/mfa').send({ mfaToken: step.mfaToken, code: next }).expect(200)).body;
    expect(claims(pair.accessToken)).toMatchObject({ sub: user.user.id, amr: ['pwd', 'otp', 'mfa'], acr: 'mfa' });
    await api().get('/api/v1/me').set(...bearer(pair.accessToken)).expect(200);
    // The same code in a new sign-in: replay refused.
    const again = await passwordStep(user);
    const replayed = await api().post('/api/v1/login/mfa').send({ mfaToken: again.mfaToken, code: next }).expect(401);
    expect(typeOf(replayed.body)).toBe(MFA_PROBLEMS.invalidSecondFactor);
    // A used mfaToken is spent.
    const spent = await api().post('/api/v1/login/mfa').send({ mfaToken: step.mfaToken, code: totp(user.secret, -1) }).expect(401);
    expect(typeOf(spent.body)).toBe(MFA_PROBLEMS.invalidMfaToken);
    const audit = await eventually(async () => {
      const rows = await identityAudit(suite.db, user.user.id);
      return rows.some((r) => r.type === 'LOGIN_FAILURE') && rows;
    });
    expect(audit.map((r) => (r.details as { action?: string } | null)?.action)).toEqual(expect.arrayContaining(['totp-enrolment-started', 'totp-enrolled', 'recovery-codes-generated']));
    expect(audit.find((r) => r.type === 'LOGIN_FAILURE')).toMatchObject({ details: expect.objectContaining({ reason: 'invalid-second-factor', factor: 'totp' }) });
  });

  it("the console's sign-in asks for the second step too, and sets its cookie only after it", async () => {
    const user = await enrolledUser();
    const step = await passwordStep(user, '/api/v1/session');
    const signedIn = await api().post('/api/v1/session/mfa').set(...csrf).send({ mfaToken: step.mfaToken, code: totp(user.secret, 1) }).expect(200);
    expect(signedIn.body).toEqual({ tokenType: 'Bearer', accessToken: expect.any(String), expiresIn: expect.any(Number) });
    expect(String(signedIn.headers['set-cookie'])).toMatch(/gatehouse-session=ghr_/);
    expect(claims(signedIn.body.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    await api().post('/api/v1/session/mfa').send({ mfaToken: step.mfaToken, code: totp(user.secret, 1) }).expect(403);
  });

  it('recovery codes work once each; regenerating them voids the previous set', async () => {
    const user = await enrolledUser();
    const first = await passwordStep(user);
    await api().post('/api/v1/login/mfa').send({ mfaToken: first.mfaToken, recoveryCode: user.recoveryCodes[0] }).expect(200);
    const second = await passwordStep(user);
    const reused = await api().post('/api/v1/login/mfa').send({ mfaToken: second.mfaToken, recoveryCode: user.recoveryCodes[0] }).expect(401);
    expect(reused.body.errors).toEqual([expect.objectContaining({ field: 'recoveryCode' })]);
    expect((await api().get('/api/v1/me/mfa').set(...bearer(user.token)).expect(200)).body.recoveryCodes.remaining).toBe(9);
    const fresh = (await api().post('/api/v1/me/mfa/recovery-codes').set(...bearer(user.token)).expect(200)).body.codes as string[];
    expect(fresh).toHaveLength(10);
    await api().post('/api/v1/login/mfa').send({ mfaToken: second.mfaToken, recoveryCode: user.recoveryCodes[1] }).expect(401);
    await api().post('/api/v1/login/mfa').send({ mfaToken: second.mfaToken, recoveryCode: fresh[0] }).expect(200);
  });

  it('refuses Basic for a user with a second factor, with a problem that says to use an API token', async () => {
    const user = await enrolledUser();
    const refused = await api().get('/api/v1/me').set(...basic(user.username, user.password)).expect(401);
    expect(typeOf(refused.body)).toBe(MFA_PROBLEMS.basicRefusedForMfa);
    expect(refused.body.detail).toMatch(/API token/);
    const created = await api().post('/api/v1/me/api-tokens').set(...bearer(user.token)).send({ name: 'cli' }).expect(201);
    await api().get('/api/v1/me').set(...bearer(created.body.token)).expect(200);
    // A user without a factor still may use Basic.
    const plain = await createUser(suite.admin);
    await api().get('/api/v1/me').set(...basic(plain.username, plain.password)).expect(200);
  });

  it('counts wrong second factors towards the lockout (LOGIN_MAX_FAILURES = 10)', async () => {
    const user = await enrolledUser();
    let failures = 0;
    while (failures < 10) {
      const step = await passwordStep(user);
      for (let i = 0; i < 5 && failures < 10; i += 1, failures += 1) {
        await api().post('/api/v1/login/mfa').send({ mfaToken: step.mfaToken, recoveryCode: `wrong-${i}` }).expect(401);
      }
    }
    // Locked: the right password now answers like a wrong one, and the lock is audited.
    const locked = await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(401);
    expect(typeOf(locked.body)).not.toBe(MFA_PROBLEMS.mfaRequired);
    const audit = await eventually(async () => {
      const rows = await identityAudit(suite.db, user.user.id);
      return rows.some((r) => r.type === 'ACCOUNT_LOCKED') && rows;
    });
    expect(audit.filter((r) => r.type === 'LOGIN_FAILURE' && (r.details as { reason?: string }).reason === 'invalid-second-factor')).toHaveLength(10);
    await api().post(`/api/v1/users/${user.user.id}/unlock`).set(...bearer(suite.admin)).expect(200);
  });

  it('refuses bad input with a 4xx problem naming the field, never a 5xx', async () => {
    const user = await enrolledUser();
    const step = await passwordStep(user);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ mfaToken: step.mfaToken, code: '12345' }, 'code'],
      [{ mfaToken: step.mfaToken, code: 123456 }, 'code'],
      [{ mfaToken: step.mfaToken }, 'code'],
      [{ mfaToken: step.mfaToken, code: '123456', recoveryCode: 'abcd' }, 'code'],
      [{ code: '123456' }, 'mfaToken'],
      [{ mfaToken: step.mfaToken, code: '123456', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const response = await api().post('/api/v1/login/mfa').send(body).expect(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const unknown = await api().post('/api/v1/login/mfa').send({ mfaToken: 'ghm_nope', code: '123456' }).expect(401);
    expect(typeOf(unknown.body)).toBe(MFA_PROBLEMS.invalidMfaToken);
    await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(user.token)).send({ code: 'abcdef' }).expect(400);
    // Nothing pending to confirm / already set up.
    await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(user.token)).send({ code: '123456' }).expect(409);
    await api().post('/api/v1/me/mfa/totp').set(...bearer(user.token)).expect(409);
  });

  it('removing the authenticator app makes sign-in password-only again and drops the recovery codes', async () => {
    const user = await enrolledUser();
    await api().delete('/api/v1/me/mfa/totp').set(...bearer(user.token)).expect(204);
    expect((await api().get('/api/v1/me/mfa').set(...bearer(user.token)).expect(200)).body).toMatchObject({ enabled: false, totp: null, recoveryCodes: null });
    const pair = (await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(200)).body;
    expect(claims(pair.accessToken)).toMatchObject({ amr: ['pwd'], acr: 'pwd' });
  });
});
