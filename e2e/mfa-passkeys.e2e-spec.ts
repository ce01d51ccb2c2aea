import { MFA_PROBLEMS } from '@gatehouse/contracts';
import { api, bearer, createUser, superAdminSuite, SoftAuthenticator, testDb } from '@gatehouse/testing';

/** The shared system's public URL is its JWT_ISSUER (the gateway's real URL): the RP id is its host, the origin itself. */
const ORIGIN = process.env.E2E_ISSUER as string;
const RP_ID = new URL(ORIGIN).hostname;
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const typeOf = (body: { type?: string }) => body.type?.split('/').pop();
const fieldsOf = (body: { errors?: Array<{ field: string }> }) => (body.errors ?? []).map((e) => e.field);

/**
 * Passkeys through the gateway with a software authenticator: registration, sign-in with a passkey
 * alone and as the second factor, and every malformed or mismatched response a 4xx problem naming the
 * field (wrong challenge, origin or RP id, an expired or used challenge, garbled base64url), never a 5xx.
 */
describe('MFA: passkeys over HTTP', () => {
  const suite = superAdminSuite();

  async function registered() {
    const user = await createUser(suite.admin);
    const authenticator = new SoftAuthenticator({ userHandle: user.user.id });
    const { options } = (await api().post('/api/v1/me/mfa/passkeys/options').set(...bearer(user.token)).expect(200)).body;
    expect(options).toMatchObject({ rp: { id: RP_ID }, attestation: 'none' });
    const created = await api().post('/api/v1/me/mfa/passkeys').set(...bearer(user.token)).send({ name: 'Soft key', credential: authenticator.register(options, ORIGIN) }).expect(201);
    expect(created.body).toMatchObject({ name: 'Soft key', deviceType: 'singleDevice', recoveryCodes: expect.any(Array) });
    return { user, authenticator, passkeyId: created.body.id as string };
  }
  const loginOptions = async () => (await api().post('/api/v1/login/passkey/options').expect(200)).body.options;

  it('registers, signs in with the passkey alone and as the second factor, renames and removes it', async () => {
    const { user, authenticator, passkeyId } = await registered();
    const alone = await api().post('/api/v1/login/passkey').send({ credential: authenticator.authenticate(await loginOptions(), ORIGIN) }).expect(200);
    expect(claims(alone.body.accessToken)).toMatchObject({ sub: user.user.id, amr: ['hwk', 'user', 'mfa'], acr: 'mfa' });
    const step = await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(401);
    expect(step.body).toMatchObject({ factors: ['passkey', 'recovery-code'], passkeyOptions: { allowCredentials: [{ id: authenticator.id }] } });
    const second = await api().post('/api/v1/login/mfa').send({ mfaToken: step.body.mfaToken, passkey: authenticator.authenticate(step.body.passkeyOptions, ORIGIN) }).expect(200);
    expect(claims(second.body.accessToken).amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
    // The console's cookie variant.
    const browser = await api().post('/api/v1/session/passkey').set('x-gatehouse-csrf', '1').send({ credential: authenticator.authenticate(await loginOptions(), ORIGIN) }).expect(200);
    expect(String(browser.headers['set-cookie'])).toMatch(/gatehouse-session=ghr_/);
    await api().patch(`/api/v1/me/mfa/passkeys/${passkeyId}`).set(...bearer(user.token)).send({ name: 'Renamed' }).expect(200);
    expect((await api().get('/api/v1/me/mfa').set(...bearer(user.token)).expect(200)).body.passkeys).toEqual([expect.objectContaining({ name: 'Renamed' })]);
    await api().delete(`/api/v1/me/mfa/passkeys/${passkeyId}`).set(...bearer(user.token)).expect(204);
    await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(200);
  });

  it('refuses a cloned authenticator whose counter went back (401, reason counter-regression)', async () => {
    const { authenticator } = await registered();
    await api().post('/api/v1/login/passkey').send({ credential: authenticator.authenticate(await loginOptions(), ORIGIN) }).expect(200);
    await api().post('/api/v1/login/passkey').send({ credential: authenticator.authenticate(await loginOptions(), ORIGIN) }).expect(200);
    const refused = await api().post('/api/v1/login/passkey').send({ credential: authenticator.clone().authenticate(await loginOptions(), ORIGIN) }).expect(401);
    expect(refused.body).toMatchObject({ reason: 'counter-regression' });
    expect(typeOf(refused.body)).toBe(MFA_PROBLEMS.invalidSecondFactor);
  });

  it('refuses wrong challenges, origins and RP ids, expired challenges and garbled responses with a 400 naming the field', async () => {
    const { user, authenticator } = await registered();
    const registration = async () => (await api().post('/api/v1/me/mfa/passkeys/options').set(...bearer(user.token)).expect(200)).body.options;
    const register = (credential: unknown) => api().post('/api/v1/me/mfa/passkeys').set(...bearer(user.token)).send({ name: 'x', credential });
    const signIn = (credential: unknown) => api().post('/api/v1/login/passkey').send({ credential });
    const fresh = () => new SoftAuthenticator();
    const cases: Array<[string, Promise<{ status: number; body: { errors?: Array<{ field: string }> } }>, string]> = [
      ['registration from another origin', register(fresh().register(await registration(), 'https://evil.example')), 'credential.response.clientDataJSON'],
      ['registration for another RP id', register(fresh().register(await registration(), ORIGIN, { rpId: 'evil.example' })), 'credential.response.authenticatorData'],
      ['registration of an unknown challenge', register(fresh().register({ challenge: 'bm90LWEtcmVhbC1jaGFsbGVuZ2U', rp: { id: RP_ID } }, ORIGIN)), 'credential.response.clientDataJSON'],
      ['sign-in from another origin', signIn(authenticator.authenticate(await loginOptions(), 'https://evil.example')), 'credential.response.clientDataJSON'],
      ['sign-in for another RP id', signIn(authenticator.authenticate(await loginOptions(), ORIGIN, { rpId: 'evil.example' })), 'credential.response.authenticatorData'],
      ['a forged signature', signIn(authenticator.authenticate(await loginOptions(), ORIGIN, { badSignature: true })), 'credential.response.signature'],
      ['an unknown credential', signIn(fresh().authenticate(await loginOptions(), ORIGIN)), 'credential.id'],
      ['a wrong ceremony type', register(fresh().register(await registration(), ORIGIN, { type: 'webauthn.get' })), 'credential.response.clientDataJSON'],
    ];
    for (const [what, pending, field] of cases) {
      const response = await pending;
      expect([what, response.status]).toEqual([what, 400]);
      expect([what, fieldsOf(response.body)]).toEqual([what, [field]]);
    }
    // Used and expired challenges.
    const options = await loginOptions();
    await signIn(authenticator.authenticate(options, ORIGIN)).expect(200);
    expect(fieldsOf((await signIn(authenticator.authenticate(options, ORIGIN)).expect(400)).body)).toEqual(['credential.response.clientDataJSON']);
    const late = await loginOptions();
    const db = await testDb();
    try {
      await db.query(`UPDATE identity.mfa_challenges SET expires_at = now() - interval '1 second' WHERE challenge = $1`, [late.challenge]);
    } finally {
      await db.end();
    }
    expect(fieldsOf((await signIn(authenticator.authenticate(late, ORIGIN)).expect(400)).body)).toEqual(['credential.response.clientDataJSON']);
    // Malformed shapes: named by validation.
    const good = authenticator.authenticate(await loginOptions(), ORIGIN) as { response: Record<string, unknown> };
    const malformed: Array<[unknown, string]> = [
      [{ ...good, type: 'password' }, 'credential.type'],
      [{ ...good, response: { ...good.response, clientDataJSON: 'not base64url!' } }, 'credential.response.clientDataJSON'],
      [{ ...good, response: { ...good.response, clientDataJSON: Buffer.from('{"no":"challenge"}').toString('base64url') } }, 'credential.response.clientDataJSON'],
      [{ ...good, response: { ...good.response, signature: 12 } }, 'credential.response.signature'],
      [{ ...good, id: undefined }, 'credential.id'],
      [{ ...good, response: 'nope' }, 'credential.response'],
    ];
    for (const [credential, field] of malformed) {
      const response = await signIn(credential);
      expect([field, response.status]).toEqual([field, 400]);
      expect(fieldsOf(response.body)).toContain(field);
    }
  });
});
