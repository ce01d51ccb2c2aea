import { api, bearer, login, SUPER_ADMIN, unique } from '@gatehouse/testing';

describe('the first vertical slice: login → tenants through the gateway', () => {
  let rootToken: string;
  let plainToken: string;
  const plainUser = { username: `${unique('plain')}@gatehouse.test`, password: 'Plain-User-Pass-1' };

  beforeAll(async () => {
    rootToken = await login(SUPER_ADMIN.username, SUPER_ADMIN.password);
    await api().post('/api/v1/users').set(...bearer(rootToken)).send(plainUser).expect(201);
    plainToken = await login(plainUser.username, plainUser.password);
  });

  it('logs in by username or email and returns an access JWT and a refresh token', async () => {
    const response = await api().post('/api/v1/login').send(SUPER_ADMIN).expect(200);
    expect(response.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 300 });
    expect(response.body.accessToken.split('.')).toHaveLength(3);
    expect(response.body.refreshToken).toMatch(/^ghr_/);
    const header = JSON.parse(Buffer.from(response.body.accessToken.split('.')[0], 'base64url').toString());
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(header.kid).toEqual(expect.any(String));
  });

  it('refuses a wrong password and an unknown user alike, with 401', async () => {
    const wrong = await api().post('/api/v1/login').send({ ...SUPER_ADMIN, password: 'not-the-password' }).expect(401);
    const unknown = await api().post('/api/v1/login').send({ username: 'nobody@x.test', password: 'whatever-123' }).expect(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('lets the Super Admin create, list and read tenants', async () => {
    const id = unique('acme');
    const created = await api().post('/api/v1/tenants').set(...bearer(rootToken)).send({ id, name: 'Acme Corp', workerGroup: 'eu' }).expect(201);
    expect(created.body).toMatchObject({ id, name: 'Acme Corp', workerGroup: 'eu', status: 'ACTIVE' });

    const list = await api().get('/api/v1/tenants').query({ q: id }).set(...bearer(rootToken)).expect(200);
    expect(list.body).toMatchObject({ total: 1, page: 1, results: [expect.objectContaining({ id })] });

    await api().get(`/api/v1/tenants/${id}`).set(...bearer(rootToken)).expect(200);
    const duplicate = await api().post('/api/v1/tenants').set(...bearer(rootToken)).send({ id, name: 'Again' }).expect(409);
    expect(duplicate.body.detail).toContain(id);
    await api().get(`/api/v1/tenants/${unique('missing')}`).set(...bearer(rootToken)).expect(404);
  });

  it('refuses bad tenant input with 400 naming the field', async () => {
    const bad = await api().post('/api/v1/tenants').set(...bearer(rootToken)).send({ id: 'Not Valid!', name: '' }).expect(400);
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['id', 'name']));
    const reserved = await api().post('/api/v1/tenants').set(...bearer(rootToken)).send({ id: 'default', name: 'x' }).expect(400);
    expect(reserved.body.errors).toEqual([{ field: 'id', message: '"default" is reserved' }]);
    const notObject = await api().post('/api/v1/tenants').set(...bearer(rootToken)).send([1, 2]).expect(400);
    expect(notObject.body.status).toBe(400);
    const badJson = await api()
      .post('/api/v1/tenants')
      .set(...bearer(rootToken))
      .set('content-type', 'application/json')
      .send('{"id": ')
      .expect(400);
    expect(badJson.headers['content-type']).toMatch(/problem\+json/);
  });

  it('makes the named admin user Admin of the new tenant without giving them TENANT', async () => {
    const id = unique('team');
    await api().post('/api/v1/tenants').set(...bearer(rootToken)).send({ id, name: 'Team', adminUser: plainUser.username }).expect(201);
    const denied = await api().post('/api/v1/tenants').set(...bearer(plainToken)).send({ id: unique('x'), name: 'x' }).expect(403);
    expect(denied.body).toMatchObject({ permission: 'TENANT', action: 'CREATE' });
    const unknownAdmin = await api().post('/api/v1/tenants').set(...bearer(rootToken)).send({ id: unique('t'), name: 'T', adminUser: 'ghost@x.test' }).expect(400);
    expect(unknownAdmin.body.errors[0].field).toBe('adminUser');
  });

  it('answers 403 naming the missing permission to a user without rights', async () => {
    const list = await api().get('/api/v1/tenants').set(...bearer(plainToken)).expect(403);
    expect(list.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(list.body).toMatchObject({ status: 403, permission: 'TENANT', action: 'READ' });
    await api().post('/api/v1/tenants').set(...bearer(plainToken)).send({ id: unique('nope'), name: 'No' }).expect(403);
    await api().get('/api/v1/users').set(...bearer(plainToken)).expect(403);
  });

  it('answers 401 without a token, with a tampered token and with a malformed header', async () => {
    const none = await api().get('/api/v1/tenants').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    await api().post('/api/v1/tenants').send({ id: unique('anon'), name: 'Anon' }).expect(401);

    const [header, payload, signature] = rootToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    await api().get('/api/v1/tenants').set('authorization', `Bearer ${header}.${forgedPayload}.${signature}`).expect(401);
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    await api().get('/api/v1/tenants').set('authorization', `Bearer ${header}.${payload}.${flipped}`).expect(401);
    const unsigned = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    await api().get('/api/v1/tenants').set('authorization', `Bearer ${unsigned}.${payload}.`).expect(401);
    await api().get('/api/v1/tenants').set('authorization', 'Token abc').expect(401);
  });

  it('serves the signed-in user at /me, never with a password hash', async () => {
    const me = await api().get('/api/v1/me').set(...bearer(plainToken)).expect(200);
    expect(me.body).toMatchObject({ username: plainUser.username, superAdmin: false, status: 'ACTIVE' });
    expect(JSON.stringify(me.body)).not.toMatch(/passwordHash|\$argon2/);
  });

  it('rotates refresh tokens and revokes the session when an old one is replayed', async () => {
    const first = (await api().post('/api/v1/login').send(plainUser).expect(200)).body;
    const second = (await api().post('/api/v1/token/refresh').send({ refreshToken: first.refreshToken }).expect(200)).body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await api().get('/api/v1/me').set(...bearer(second.accessToken)).expect(200);
    await api().post('/api/v1/token/refresh').send({ refreshToken: first.refreshToken }).expect(401);
    await api().post('/api/v1/token/refresh').send({ refreshToken: second.refreshToken }).expect(401);
  });

  it('serves the public keys and answers unknown routes with a 404 problem', async () => {
    const jwks = await api().get('/.well-known/jwks.json').expect(200);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.body.keys[0].d).toBeUndefined();
    const missing = await api().get('/api/v1/nothing-here').expect(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  });
});
