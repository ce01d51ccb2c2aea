import { createHmac, createPrivateKey, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { api, bearer, createUser, eventually, identityAudit, loginPair, meStatus, superAdminSuite } from '@gatehouse/testing';

// jose is ESM-only and jest runs CommonJS, so the test forges and decodes JWTs with node:crypto.
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (token: string, i: number) => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString('utf8'));
type Signer = KeyObject | { hmac: Buffer };

function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Signer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = 'hmac' in signer
    ? createHmac('sha256', signer.hmac).update(input).digest()
    : sign(null, Buffer.from(input), signer);
  return `${input}.${signature.toString('base64url')}`;
}

/** JWT_ISSUER: the gateway's URL in e2e (TestSystem.publicUrl). */
const ISSUER = process.env.E2E_ISSUER as string;
const AUDIENCE = 'gatehouse';

describe('identity: sessions, tokens and discovery', () => {
  const suite = superAdminSuite();

  it('refuses a wrong password and an unknown user alike, and audits the failure', async () => {
    const user = await createUser(suite.admin);
    const wrong = await api().post('/api/v1/login').send({ username: user.username, password: 'not-the-password' }).expect(401);
    const unknown = await api().post('/api/v1/login').send({ username: `nobody-${randomUUID()}@x.test`, password: 'whatever-1234' }).expect(401);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.body.detail).toBe(unknown.body.detail);
    const entries = await eventually(async () => {
      const rows = await identityAudit(suite.db, user.user.id);
      return rows.some((r) => r.type === 'LOGIN_FAILURE') && rows;
    });
    expect(entries.find((r) => r.type === 'LOGIN_FAILURE')).toMatchObject({ resourceType: 'USER', actor: { type: 'ANONYMOUS' } });
    expect(entries.some((r) => r.type === 'LOGIN')).toBe(true);
    expect(entries.find((r) => r.type === 'LOGIN_FAILURE')?.tenantId).toBeUndefined();
  });

  it('issues an EdDSA access token with kid, iss, aud, typ and sid', async () => {
    const user = await createUser(suite.admin);
    const pair = await loginPair(user.username, user.password);
    const header = decodePart(pair.accessToken, 0);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(header.kid).toEqual(expect.any(String));
    expect(decodePart(pair.accessToken, 1)).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: user.user.id, sid: expect.any(String) });
  });

  it('rotates refresh tokens and revokes the whole family when one is reused', async () => {
    const user = await createUser(suite.admin);
    const first = await loginPair(user.username, user.password);
    const second = (await api().post('/api/v1/token/refresh').send({ refreshToken: first.refreshToken }).expect(200)).body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await meStatus(bearer(second.accessToken))).toBe(200);

    const reuse = await api().post('/api/v1/token/refresh').send({ refreshToken: first.refreshToken }).expect(401);
    expect(reuse.body.detail).toMatch(/already used/);
    // The thief's and the owner's tokens of that session are all dead now, access tokens included.
    await api().post('/api/v1/token/refresh').send({ refreshToken: second.refreshToken }).expect(401);
    expect(await meStatus(bearer(second.accessToken))).toBe(401);
    // Another session of the same user is untouched.
    const other = await loginPair(user.username, user.password);
    expect(await meStatus(bearer(other.accessToken))).toBe(200);
  });

  it('logout ends the session: its refresh token and its access token are refused at once', async () => {
    const user = await createUser(suite.admin);
    const pair = await loginPair(user.username, user.password);
    await api().post('/api/v1/logout').send({ refreshToken: pair.refreshToken }).expect(204);
    await api().post('/api/v1/token/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
    expect(await meStatus(bearer(pair.accessToken))).toBe(401);
    const entries = await eventually(async () => (await identityAudit(suite.db, user.user.id)).find((r) => r.type === 'LOGOUT'));
    expect(entries).toMatchObject({ type: 'LOGOUT', resourceType: 'USER' });
  });

  it("serves JWKS and the OpenID Connect provider's discovery document (no password grant: it has none)", async () => {
    const discovery = (await api().get('/.well-known/openid-configuration').expect(200)).body;
    expect(discovery).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      token_endpoint: `${ISSUER}/oidc/token`,
      authorization_endpoint: `${ISSUER}/oidc/auth`,
      id_token_signing_alg_values_supported: ['EdDSA'],
      response_types_supported: ['code'],
    });
    expect(discovery.grant_types_supported).not.toContain('password');
    const jwks = (await api().get('/.well-known/jwks.json').expect(200)).body;
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  describe('JWT attack set: each refused with 401', () => {
    let userId: string;
    let kid: string;
    let realKey: KeyObject;
    let publicJwk: { x: string };
    const now = () => Math.floor(Date.now() / 1000);

    beforeAll(async () => {
      const user = await createUser(suite.admin);
      userId = user.user.id;
      kid = decodePart(user.token, 0).kid as string;
      // The test reads identity's private key from its database to forge tokens wrong in exactly one claim.
      const { rows } = await suite.db.query(`SELECT private_jwk, public_jwk FROM identity.signing_keys WHERE kid = $1`, [kid]);
      realKey = createPrivateKey({ key: rows[0].private_jwk, format: 'jwk' });
      publicJwk = rows[0].public_jwk;
      // Sanity: a token forged with the real key and right claims is accepted, so the refusals below are about the claim.
      expect(await meStatus(bearer(forge()))).toBe(200);
    });

    function forge(claims: Record<string, unknown> = {}, options: { key?: Signer; header?: Record<string, unknown> } = {}): string {
      const t = now();
      return signJwt(
        { alg: 'EdDSA', kid, typ: 'at+jwt', ...options.header },
        { sub_type: 'USER', sid: randomUUID(), sub: userId, iss: ISSUER, aud: AUDIENCE, iat: t, nbf: t, exp: t + 300, ...claims },
        options.key ?? realKey,
      );
    }

    it('alg: none', async () => {
      const t = now();
      const token = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64({ sub: userId, iss: ISSUER, aud: AUDIENCE, iat: t, exp: t + 300 })}.`;
      expect(await meStatus(bearer(token))).toBe(401);
    });

    it('HS256 signed with the public key', async () => {
      const secrets = [Buffer.from(JSON.stringify(publicJwk)), Buffer.from(publicJwk.x, 'base64url')];
      for (const secret of secrets) {
        expect(await meStatus(bearer(forge({}, { key: { hmac: secret }, header: { alg: 'HS256' } })))).toBe(401);
      }
    });

    it('expired', async () => {
      expect(await meStatus(bearer(forge({ iat: now() - 600, nbf: now() - 600, exp: now() - 60 })))).toBe(401);
    });

    it('not yet valid', async () => {
      expect(await meStatus(bearer(forge({ nbf: now() + 600, exp: now() + 900 })))).toBe(401);
    });

    it('wrong issuer', async () => {
      expect(await meStatus(bearer(forge({ iss: 'https://evil.example' })))).toBe(401);
    });

    it('wrong audience', async () => {
      expect(await meStatus(bearer(forge({ aud: 'another-api' })))).toBe(401);
    });

    it('wrong typ (an ID token or a refresh JWT is not an access token)', async () => {
      expect(await meStatus(bearer(forge({}, { header: { typ: 'JWT' } })))).toBe(401);
    });

    it('unknown kid', async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      expect(await meStatus(bearer(forge({}, { key: privateKey, header: { kid: randomUUID() } })))).toBe(401);
    });

    it('signature from another key under the real kid', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      expect(publicKey.export({ format: 'jwk' }).x).not.toBe(publicJwk.x);
      expect(await meStatus(bearer(forge({}, { key: privateKey })))).toBe(401);
    });

    it('a tampered payload', async () => {
      const [h, , s] = forge().split('.');
      const t = now();
      expect(await meStatus(bearer(`${h}.${b64({ sub: randomUUID(), iss: ISSUER, aud: AUDIENCE, iat: t, exp: t + 300 })}.${s}`))).toBe(401);
    });

    it('garbage and unsupported schemes', async () => {
      for (const value of ['Bearer abc.def.ghi', 'Bearer ', 'Token xyz', 'Basic !!!', 'Bearer gh_']) {
        expect(await meStatus(['authorization', value])).toBe(401);
      }
    });
  });

  it('rejects bad input on login, refresh and logout with 400 naming the field', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['/api/v1/login', { password: 'x' }, 'username'],
      ['/api/v1/login', { username: 'a', password: 'x', extra: 1 }, 'extra'],
      ['/api/v1/login', { username: 42, password: 'x' }, 'username'],
      ['/api/v1/login', { username: 'a'.repeat(255), password: 'x' }, 'username'],
      ['/api/v1/login', { username: 'a', password: 'x'.repeat(1025) }, 'password'],
      ['/api/v1/token/refresh', {}, 'refreshToken'],
      ['/api/v1/token/refresh', { refreshToken: 'r'.repeat(513) }, 'refreshToken'],
      ['/api/v1/logout', { refreshToken: 5 }, 'refreshToken'],
      ['/api/v1/logout', { other: 'x' }, 'other'],
    ];
    for (const [path, body, field] of cases) {
      const response = await api().post(path).send(body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status: 400 });
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });
});
